import ArgumentParser
import Foundation
import GatehouseCore
import GatehouseProviders
import NIOCore

/// `gatehouse login`, `gatehouse token`, `gatehouse logout`: a person's tokens for the command
/// line, by the device flow (RFC 8628) with the built-in public client `gatehouse-cli`, kept in
/// the user's config folder (owner-only), refreshed when needed — so that
/// `OPENAI_API_KEY=$(gatehouse token)` works with any OpenAI-compatible tool.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login", abstract: "Sign in to a Gatehouse from the command line (device flow); `gatehouse token` then prints a token.")
    @Option(name: .long, help: "The gateway's base URL (https://gw.example.com).") var url: String
    @Option(name: .long, help: "Scopes to ask for, space-separated.") var scope: String?
    @Flag(name: .long, help: "Open the sign-in page in a browser (xdg-open or open).") var open = false
    @Option(name: .customLong("config-dir"), help: "Where the tokens are kept (default: $XDG_CONFIG_HOME/gatehouse or ~/.config/gatehouse).")
    var configDirectory: String?

    func run() async throws {
        try await GatewayClient.with { client in try await signIn(client) }
    }

    func signIn(_ client: GatewayClient) async throws {
        let base = url.trimmingSuffixSlash
        var form = ["client_id": OAuthClient.commandLine]
        if let scope { form["scope"] = scope }
        let started = try await client.post(base + "/oauth/device_authorization", form)
        guard started.status == 200, let deviceCode = started.json["device_code"]?.stringValue, let userCode = started.json["user_code"]?.stringValue,
            let page = started.json["verification_uri"]?.stringValue
        else { throw CLIError(started.errorText("The gateway did not start a sign-in")) }
        let complete = started.json["verification_uri_complete"]?.stringValue ?? page
        CLIError.say("To sign in, open \(page) and enter the code \(userCode)\n(or open \(complete))")
        if open { Self.openInBrowser(complete) }
        // Within sane bounds whatever the answer says: at most a minute apart, for at most 30 minutes.
        var interval = min(max(1, started.json["interval"]?.intValue ?? 5), 60)
        let deadline = Date() + Double(min(max(1, started.json["expires_in"]?.intValue ?? 600), 1800))
        while Date() < deadline {
            try await Task.sleep(for: .seconds(interval))
            let polled = try await client.post(
                base + "/oauth/token",
                ["grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": deviceCode, "client_id": OAuthClient.commandLine])
            if polled.status == 200 {
                try Credentials(url: base, answer: polled.json).save(in: CredentialsFile(directory: configDirectory))
                CLIError.say("Signed in to \(base).")
                return
            }
            switch polled.json["error"]?.stringValue {
            case "authorization_pending": continue
            case "slow_down": interval = min(interval + 5, 60)
            case "access_denied": throw CLIError("The sign-in was denied.")
            case "expired_token": throw CLIError("The code expired before it was approved; run `gatehouse login` again.")
            default: throw CLIError(polled.errorText("The sign-in failed"))
            }
        }
        throw CLIError("The code expired before it was approved; run `gatehouse login` again.")
    }

    static func openInBrowser(_ page: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [FileManager.default.fileExists(atPath: "/usr/bin/open") ? "open" : "xdg-open", page]
        try? process.run()
    }
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Print a valid access token from `gatehouse login`, refreshing it when needed.")
    @Option(name: .customLong("config-dir"), help: "Where the tokens are kept.") var configDirectory: String?

    func run() async throws {
        let file = CredentialsFile(directory: configDirectory)
        guard var credentials = try file.load() else { throw CLIError("Not signed in: run `gatehouse login --url <gateway>`.") }
        if credentials.expiresAt.timeIntervalSinceNow < 60 {
            let form = ["grant_type": "refresh_token", "refresh_token": credentials.refreshToken, "client_id": OAuthClient.commandLine]
            let answer = try await GatewayClient.with { client in try await client.post(credentials.url + "/oauth/token", form) }
            guard answer.status == 200 else {
                throw CLIError(answer.errorText("The session could not be refreshed") + "; run `gatehouse login` again.")
            }
            credentials = try Credentials(url: credentials.url, answer: answer.json)
            try credentials.save(in: file)
        }
        print(credentials.accessToken)
    }
}

struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logout", abstract: "Revoke the tokens of `gatehouse login` and forget them.")
    @Option(name: .customLong("config-dir"), help: "Where the tokens are kept.") var configDirectory: String?

    func run() async throws {
        let file = CredentialsFile(directory: configDirectory)
        guard let credentials = try file.load() else {
            CLIError.say("Not signed in.")
            return
        }
        let form = ["token": credentials.refreshToken, "client_id": OAuthClient.commandLine]
        let answer = try? await GatewayClient.with { client in try await client.post(credentials.url + "/oauth/revoke", form) }
        try file.delete()
        guard answer?.status == 200 else {
            throw CLIError("Forgotten here, but the gateway could not be told: the tokens stay valid until they expire.")
        }
        CLIError.say("Signed out of \(credentials.url).")
    }
}

/// What `gatehouse login` keeps.
struct Credentials: Codable {
    var url: String
    var accessToken: String
    var refreshToken: String
    var expiresAt: Date

    init(url: String, answer: JSONValue) throws {
        guard let access = answer["access_token"]?.stringValue, let refresh = answer["refresh_token"]?.stringValue else {
            throw CLIError("The gateway's answer has no tokens.")
        }
        self.url = url
        accessToken = access
        refreshToken = refresh
        expiresAt = Date() + Double(min(max(0, answer["expires_in"]?.intValue ?? 300), 86_400))
    }

    func save(in file: CredentialsFile) throws { try file.save(self) }
}

/// `credentials.json` in the user's config folder, readable by its owner only.
struct CredentialsFile {
    let directory: String

    init(directory: String?) {
        let environment = ProcessInfo.processInfo.environment
        self.directory =
            directory ?? environment["GATEHOUSE_CONFIG_DIR"]
            ?? (environment["XDG_CONFIG_HOME"] ?? (NSHomeDirectory() + "/.config")) + "/gatehouse"
    }

    var path: String { directory + "/credentials.json" }

    func load() throws -> Credentials? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try decoder.decode(Credentials.self, from: data)
    }

    func save(_ credentials: Credentials) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        let data = try encoder.encode(credentials)
        // Written to a new owner-only file, then moved over the old: never readable by others.
        let temporary = path + ".new"
        try? FileManager.default.removeItem(atPath: temporary)
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CLIError("Cannot write \(temporary).")
        }
        _ = try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
    }

    func delete() throws {
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
    }
}

/// Form posts to the gateway, with the same HTTP client Gatehouse uses upstream.
struct GatewayClient {
    struct Answer {
        var status: Int
        var json: JSONValue

        func errorText(_ what: String) -> String {
            let detail = json["error_description"]?.stringValue ?? json["error"]?.stringValue ?? json["error"]?["message"]?.stringValue
            return what + " (HTTP \(status)" + (detail.map { ": " + $0 } ?? "") + ")"
        }
    }

    let transport = HTTPClientTransport(connectTimeout: .seconds(10), idleTimeout: .seconds(30))

    func post(_ url: String, _ form: [String: String]) async throws -> Answer {
        let body = form.sorted { $0.key < $1.key }.map { "\(FormEncoding.encode($0.key))=\(FormEncoding.encode($0.value))" }.joined(separator: "&")
        let request = UpstreamRequest(
            url: url, headers: [("content-type", "application/x-www-form-urlencoded"), ("accept", "application/json")], body: ByteBuffer(string: body)
        )
        let response: UpstreamResponse
        do {
            response = try await transport.send(request, timeouts: UpstreamTimeouts(firstByte: .seconds(30), total: .seconds(60)))
        } catch {
            throw CLIError("Cannot reach \(url): \(error)")
        }
        let bytes = try await response.body.collect(upTo: 1024 * 1024)
        return Answer(status: response.status, json: (try? JSONCoding.decode(bytes.readableBytesView)) ?? [:])
    }

    /// Runs `body` with a client, shut down afterwards whatever happens.
    static func with<T>(_ body: (GatewayClient) async throws -> T) async throws -> T {
        let client = GatewayClient()
        do {
            let result = try await body(client)
            try? await client.transport.shutdown()
            return result
        } catch {
            try? await client.transport.shutdown()
            throw error
        }
    }

}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    static func say(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
}

extension String {
    var trimmingSuffixSlash: String {
        var text = self
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
