import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The console's stylesheet and script, served under names carrying a hash of their content
/// (`/ui/assets/console-3f2a….css`) with a year-long, immutable cache lifetime: a new release
/// changes the names, so no browser keeps an old copy. Nothing is loaded from another host.
enum ConsoleAssets {
    struct Asset: Sendable {
        let name: String
        let contentType: String
        let bytes: ByteBuffer

        init(_ base: String, _ ext: String, contentType: String, _ text: String) {
            let digest = SHA256.hash(data: Array(text.utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
            name = "\(base)-\(digest).\(ext)"
            self.contentType = contentType
            bytes = ByteBuffer(string: text)
        }

        /// Relative to the page's base (`<base href>`, the proxy's prefix).
        var path: String { "ui/assets/" + name }
    }

    static let stylesheet = Asset("console", "css", contentType: "text/css; charset=utf-8", ConsoleStyle.css)
    static let script = Asset("console", "js", contentType: "text/javascript; charset=utf-8", ConsoleScript.js)

    static func response(named name: String) -> Response? {
        guard let asset = [stylesheet, script].first(where: { $0.name == name }) else { return nil }
        return Response(
            status: .ok,
            headers: [
                .contentType: asset.contentType, .cacheControl: "public, max-age=31536000, immutable", .xContentTypeOptions: "nosniff",
            ], body: .init(byteBuffer: asset.bytes))
    }
}

/// The console's own script: progressive enhancement only — every page works without it.
/// Copy buttons (`data-copy` names the element whose text is copied) and confirmations
/// (`data-confirm` on a form asks before it is sent).
enum ConsoleScript {
    static let js = """
        "use strict";
        document.addEventListener("click", function (event) {
          var button = event.target.closest("[data-copy]");
          if (!button) return;
          var source = document.getElementById(button.getAttribute("data-copy"));
          if (!source || !navigator.clipboard) return;
          navigator.clipboard.writeText(source.textContent.trim()).then(function () {
            button.textContent = "Copied";
          });
        });
        document.addEventListener("submit", function (event) {
          var question = event.target.getAttribute("data-confirm");
          if (question && !window.confirm(question)) event.preventDefault();
        });
        """
}

/// The console's look: one stylesheet, system fonts, no images.
enum ConsoleStyle {
    static let css = """
        :root { --ink: #1d2433; --muted: #5b6475; --line: #d9dee7; --bg: #f5f7fa; --card: #fff; --accent: #2f5bd3;
          --danger: #b42318; --ok: #067647; --warn: #b54708; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
        a { color: var(--accent); }
        .top { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 20px; padding: 8px 24px; min-height: 56px; background: #111827;
          color: #fff; }
        .top .brand { color: #fff; font-weight: 700; text-decoration: none; font-size: 17px; }
        .top nav { display: flex; flex-wrap: wrap; gap: 2px; flex: 1; }
        .top nav a { color: #cbd5e1; text-decoration: none; padding: 6px 9px; border-radius: 6px; font-size: 14px; white-space: nowrap; }
        .top nav a:hover, .top nav a:focus { color: #fff; background: #1f2937; }
        .top nav a[aria-current="page"] { color: #fff; background: #374151; }
        .top .who { display: flex; align-items: center; gap: 12px; color: #cbd5e1; font-size: 14px; white-space: nowrap; }
        .top .who form { margin: 0; }
        main { max-width: 1200px; margin: 0 auto; padding: 24px; }
        h1 { font-size: 24px; margin: 0 0 16px; }
        h2 { font-size: 18px; margin: 24px 0 12px; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 20px; margin-bottom: 20px; }
        .stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 16px; margin-bottom: 20px; }
        .stat { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px; }
        .stat .label { color: var(--muted); font-size: 13px; }
        .stat .value { font-size: 26px; font-weight: 650; }
        table { width: 100%; border-collapse: collapse; background: var(--card); }
        th, td { text-align: left; padding: 10px 12px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { font-size: 13px; color: var(--muted); font-weight: 600; background: #fafbfc; }
        tbody tr:hover { background: #f9fafb; }
        td.actions { white-space: nowrap; }
        td.actions form { display: inline; }
        .muted { color: var(--muted); }
        .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
        td.mono { white-space: nowrap; }
        td.details { max-width: 420px; overflow-wrap: anywhere; font-size: 13px; }
        .badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; }
        .badge.ok { background: #ecfdf3; color: var(--ok); }
        .badge.blocked { background: #fef3f2; color: var(--danger); }
        .badge.warn { background: #fffaeb; color: var(--warn); }
        .badge.binds { background: #eef4ff; color: var(--accent); }
        td.binds { background: #f5f8ff; }
        .error-text { color: var(--danger); font-weight: 600; }
        ul.plain { margin: 8px 0 0; padding-left: 20px; }
        .toolbar { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin-bottom: 16px; }
        .toolbar .spacer { flex: 1; }
        .toolbar label { display: flex; flex-direction: column; font-size: 13px; color: var(--muted); gap: 2px; }
        input, select { font: inherit; padding: 7px 10px; border: 1px solid var(--line); border-radius: 6px; background: #fff; color: var(--ink); }
        input:focus, select:focus, button:focus, a:focus { outline: 2px solid var(--accent); outline-offset: 1px; }
        button, .button { font: inherit; font-weight: 600; padding: 7px 14px; border-radius: 6px; border: 1px solid var(--accent);
          background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
        button.secondary, .button.secondary { background: #fff; color: var(--ink); border-color: var(--line); }
        button.danger { background: #fff; color: var(--danger); border-color: #f3c4c0; }
        button.small { padding: 3px 10px; font-size: 13px; }
        .top button { background: transparent; border-color: #4b5563; color: #e5e7eb; padding: 4px 10px; font-size: 13px; }
        .form-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 16px 24px; }
        .field { display: flex; flex-direction: column; gap: 4px; }
        .field label { font-weight: 600; font-size: 14px; }
        .field .hint { color: var(--muted); font-size: 13px; }
        .field .error, .flash.error { color: var(--danger); }
        .field.invalid input, .field.invalid select { border-color: var(--danger); }
        .flash { padding: 12px 16px; border-radius: 8px; margin-bottom: 16px; background: #ecfdf3; border: 1px solid #abefc6; }
        .flash.error { background: #fef3f2; border-color: #fecdca; }
        .secret { display: flex; gap: 8px; align-items: center; padding: 12px; background: #f8fafc; border: 1px dashed var(--line);
          border-radius: 8px; overflow-wrap: anywhere; }
        .empty { text-align: center; padding: 40px; color: var(--muted); }
        .pager { display: flex; justify-content: space-between; align-items: center; margin-top: 12px; color: var(--muted); }
        fieldset { border: 0; padding: 0; margin: 0; }
        .chart { width: 100%; height: 160px; display: block; }
        .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 20px; }
        .legend { color: var(--muted); font-size: 13px; }
        pre { margin: 0; padding: 12px; background: #f8fafc; border: 1px solid var(--line); border-radius: 8px; overflow-x: auto; }
        legend { font-weight: 600; font-size: 14px; margin-bottom: 4px; }
        """
}
