import Foundation
import GatehouseCore
import Hummingbird

/// What the console's forms share: fields drawn with their error beside them, the numbers a
/// form may hold checked before the management body is built, and the operation run as the
/// signed-in person with the audit record the API would write (marked `via: console`).
enum ConsoleForm {
    /// A field the form got wrong, said next to it.
    struct FieldError: Error {
        let field: String
        let message: String
    }

    /// One labelled input, with what was typed and the error about it, if any.
    static func field(
        _ name: String, _ label: String, hint: String, type: String = "text", values: [String: String], error: FieldError?,
        attributes: String = ""
    ) -> String {
        let invalid = error?.field == name
        return """
            <div class="field\(invalid ? " invalid" : "")"><label for="\(name)">\(label)</label>
            <input id="\(name)" name="\(name)" type="\(type)" value="\(HTML.escape(values[name] ?? ""))"\(attributes)\
            \(invalid ? " aria-invalid=\"true\" aria-describedby=\"\(name)-error\"" : "")>\
            \(invalid ? "<div class=\"error\" id=\"\(name)-error\">\(HTML.escape(error?.message ?? ""))</div>" : "")
            <div class="hint">\(hint)</div></div>
            """
    }

    /// A select of `options` (value, label), the typed one chosen.
    static func select(_ name: String, _ label: String, hint: String, options: [(String, String)], values: [String: String]) -> String {
        let choices = options.map { value, text in
            "<option value=\"\(HTML.escape(value))\"\(values[name] == value ? " selected" : "")>\(HTML.escape(text))</option>"
        }.joined()
        return """
            <div class="field"><label for="\(name)">\(label)</label><select id="\(name)" name="\(name)">\(choices)</select>
            <div class="hint">\(hint)</div></div>
            """
    }

    /// The "all models" / "these models" / "no models" choice, the effective set said in words.
    static func models(values: [String: String], error: FieldError?, all: String) -> String {
        let mode = values["models_mode"] ?? "all"
        let invalid = error?.field == "models"
        func choice(_ value: String, _ label: String) -> String {
            "<label><input type=\"radio\" name=\"models_mode\" value=\"\(value)\"\(mode == value ? " checked" : "")> \(label)</label>"
        }
        return """
            <fieldset class="field"><legend>Models</legend>
            \(choice("all", all))\(choice("none", "No models (management routes only)"))\(choice("these", "Only these:"))
            <input name="models" aria-label="Models, separated by commas" value="\(HTML.escape(values["models"] ?? ""))"\
            \(invalid ? " aria-invalid=\"true\"" : "")>\
            \(invalid ? "<div class=\"error\">\(HTML.escape(error?.message ?? ""))</div>" : "")
            <div class="hint">Separated by commas, e.g. gpt-4o-mini, claude-sonnet.</div></fieldset>
            """
    }

    /// The models, budget, budget period and rate-limit fields a key, a team and a user share.
    /// - Parameter whose: said in the hints ("" for a key; "For the whole team; ").
    static func limits(values: [String: String], error: FieldError?, allModels: String, whose: String = "", period: String) -> String {
        func field(_ name: String, _ label: String, hint: String, attributes: String) -> String {
            ConsoleForm.field(name, label, hint: hint, type: "number", values: values, error: error, attributes: attributes)
        }
        let empty = whose.isEmpty ? "Empty" : "empty"
        return """
            \(models(values: values, error: error, all: allModels))
            \(field("max_budget", "Budget (USD)", hint: "\(whose)\(empty) for no budget.", attributes: " step=\"0.01\" min=\"0\""))
            \(select("budget_duration", "Budget period", hint: period, options: budgetPeriods, values: values))
            \(field("rpm_limit", "Requests per minute", hint: "\(whose)\(empty) for no limit.", attributes: " min=\"0\""))
            \(field("tpm_limit", "Tokens per minute", hint: "\(whose)\(empty) for no limit.", attributes: " min=\"0\""))
            """
    }

    /// Fields typed as lists separated by commas or spaces.
    static let listFields = ["allowed_ips", "allowed_routes"]

    /// Where a key may be used from and which routes it may call: empty means no restriction.
    static func reach(values: [String: String], error: FieldError?) -> String {
        """
        \(field("allowed_ips", "Allowed addresses", hint: "Addresses or CIDR networks, e.g. 10.0.0.0/8; empty: any address.", values: values, error: error))
        \(field(
            "allowed_routes", "Allowed routes",
            hint: "Route classes or paths, e.g. llm_api_routes, /v1/chat/completions; empty: every route its role allows.",
            values: values, error: error))
        """
    }

    static let budgetPeriods = [("", "Never resets"), ("1d", "Every day"), ("7d", "Every week"), ("30d", "Every 30 days"), ("1mo", "Every month")]

    /// What was typed in `fields`, trimmed.
    static func values(_ form: FormBody, _ fields: [String]) -> [String: String] {
        var values: [String: String] = [:]
        for name in fields { values[name] = form[name]?.trimmingCharacters(in: .whitespaces) }
        return values
    }

    /// What an edit form starts with: the object's name, models and limits as typed values.
    static func values(name: (field: String, value: String), models: [String], limits: Limits) -> [String: String] {
        [
            name.field: name.value, "models_mode": models.isEmpty ? "all" : models == [ModelAccess.none] ? "none" : "these",
            "models": models == [ModelAccess.none] ? "" : models.joined(separator: ", "),
            "max_budget": limits.maxBudget.map { String($0) } ?? "", "budget_duration": limits.budgetDuration ?? "",
            "rpm_limit": limits.rpmLimit.map(String.init) ?? "", "tpm_limit": limits.tpmLimit.map(String.init) ?? "",
        ]
    }

    /// What an edit form's emptied fields mean: `names` left empty are set to null (removed),
    /// and "all models" is no model list.
    static func clear(_ names: [String], emptyIn posted: FormBody, _ body: inout JSONValue) {
        for name in names where (posted[name] ?? "").trimmingCharacters(in: .whitespaces).isEmpty { body[name] = .null }
        if posted["models_mode"] == "all" || posted["models_mode"] == nil { body["models"] = [] }
    }

    /// The management body for what a form says: `text` fields as strings when not empty;
    /// `models` when "these" is chosen; `max_budget` as dollars, `rpm_limit` / `tpm_limit` as
    /// whole numbers — checked here, the rest by the operation.
    static func body(_ values: [String: String], text: [String]) throws -> JSONValue {
        var body: [String: JSONValue] = [:]
        func typed(_ name: String) -> String? { values[name].flatMap { $0.isEmpty ? nil : $0 } }
        for name in text { if let value = typed(name) { body[name] = .string(value) } }
        if values["models_mode"] == "none" { body["models"] = [.string(ModelAccess.none)] }
        if values["models_mode"] == "these" {
            let models = (values["models"] ?? "").split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
            guard !models.isEmpty else { throw FieldError(field: "models", message: "Name at least one model, or choose all models.") }
            body["models"] = .array(models.map(JSONValue.string))
        }
        for name in listFields {
            guard let text = typed(name) else { continue }
            body[name] = .array(text.split(whereSeparator: { $0 == "," || $0 == " " }).map { .string(String($0)) })
        }
        if let budget = typed("max_budget") {
            guard let dollars = Double(budget), dollars.isFinite, dollars >= 0 else {
                throw FieldError(field: "max_budget", message: "A budget is an amount of dollars, like 25 or 12.50.")
            }
            body["max_budget"] = .number(dollars)
        }
        for name in ["rpm_limit", "tpm_limit"] {
            guard let number = typed(name) else { continue }
            guard let limit = Int(number), limit >= 0 else { throw FieldError(field: name, message: "A limit is a whole number, 0 or more.") }
            body[name] = JSONValue(limit)
        }
        return .object(body)
    }
}

extension ConsoleForm {
    /// A form's page: its fields in a grid, the submit and cancel buttons, and an error no field
    /// owns at the top; `before` and `after` (HTML) around the form. 400 when it comes back with
    /// an error.
    static func page(
        _ title: String, section: ConsoleLayout.Section, viewer: ConsoleViewer, action: String, fields html: String, known: [String],
        submit: String, cancel: String, error: FieldError?, before: String = "", after: String = ""
    ) -> Response {
        let general = error.flatMap { known.contains($0.field) ? nil : ConsoleLayout.Flash(text: $0.message, isError: true) }
        let body =
            before + """
                <form class="card" method="post" action="\(action)">\(HTML.hidden("csrf_token", viewer.csrf))
                <div class="form-grid">\(html)</div>
                <p><button type="submit">\(submit)</button> <a class="button secondary" href="\(cancel)">Cancel</a></p>
                </form>
                """ + after
        return ConsoleLayout.page(title, section: section, viewer: viewer, body: body, flash: general, status: error == nil ? .ok : .badRequest)
    }
}

extension Console {
    /// A form posted: its values made into the management body (`adjust` adds what is not a plain
    /// field), the operation run; a field the form or the operation refused sends the form back
    /// (`again`) with the error beside it.
    func submit(
        _ posted: FormBody, fields: [String], text: [String], action: String, _ viewer: ConsoleViewer, _ context: GatewayRequestContext,
        adjust: (inout JSONValue) -> Void = { _ in }, operation: (ManagementCall) async throws -> Changed,
        again: ([String: String], ConsoleForm.FieldError) async throws -> Response, then: (Changed) -> Response
    ) async throws -> Response {
        let values = ConsoleForm.values(posted, fields)
        let changed: Changed
        do {
            var body = try ConsoleForm.body(values, text: text)
            adjust(&body)
            changed = try await perform(action, body, viewer, context, operation)
        } catch let error as ConsoleForm.FieldError {
            return try await again(values, error)
        } catch let error as GatewayError where error.status == 400 {
            return try await again(values, .init(field: error.param ?? "", message: error.message))
        }
        return then(changed)
    }

    /// Runs a management operation as the signed-in person and records it as the API would
    /// (`action`, the changes, the request with secrets masked), marked as made in the console.
    func perform(
        _ action: String, _ body: JSONValue, _ viewer: ConsoleViewer, _ context: GatewayRequestContext,
        _ operation: (ManagementCall) async throws -> Changed
    ) async throws -> Changed {
        let changed = try await operation(ManagementCall(principal: viewer.principal, body: try ManagementBody(body)))
        management.trail.record(changed, action: action, by: viewer.principal, address: context.clientAddress, request: body, via: "console")
        return changed
    }
}
