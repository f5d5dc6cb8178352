import AsyncHTTPClient
import Foundation
import GatehouseCore
import GatehouseServer
import GatehouseStore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PostgresNIO
import SQLKit
import Testing

enum TestKeys {
    static let master = "sk-test-Hq3vT9pXw2LmZr8Yc4Nd7Bf6Gk1Js5Ve0Ua"
    static let upstream = "sk-upstream-deployment-key"
}

/// Runs a live Gatehouse on a free port with `config`, and hands the test a client and the port.
/// Everything it logged, audited, answered with an error or counted is scanned for credentials.
func withGatehouse<T: Sendable>(
    _ config: GatehouseConfig, client upstreamClient: UpstreamSettings.Client = .nio, store: StoreConnection? = nil,
    clock: TestClock? = nil, inspection: Inspection = Inspection(), _ test: @Sendable (any TestClientProtocol, Int) async throws -> T
) async throws -> T {
    var config = config
    config.server.upstream.client = upstreamClient
    config.server.listener.host = "127.0.0.1"
    config.server.listener.port = 0
    // The whole trail, read after shutdown (when the last batch has been written).
    let auditFile = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-scan-\(UUID().uuidString).jsonl").path
    config.server.audit.streams.append(auditFile)
    defer { try? FileManager.default.removeItem(atPath: auditFile) }
    let logs = LogCapture()
    let logger = logs.logger(label: "gatehouse-test")
    let connection: StoreConnection
    if let store {
        connection = store
    } else {
        connection = try await StoreConnection.inMemory(logger: logger)
    }
    let errorBodies = ErrorBodies()
    let app = try GatehouseApplication.make(
        config: config, masterKey: TestKeys.master, store: connection, logger: logger, inspection: inspection,
        clock: { clock?.now ?? Date() })
    let result = try await app.test(.live) { client in
        try await test(ScanningClient(client, keeping: errorBodies), client.port!)
    }
    // After shutdown: the last audit batch has been written.
    SecretScan.check([
        "logs": logs.text, "error bodies": errorBodies.text, "metrics": inspection.metrics,
        "audit trail": (try? String(contentsOfFile: auditFile, encoding: .utf8)) ?? "",
    ])
    return result
}

/// A fresh PostgreSQL database on the server `scripts/test` started, dropped afterwards.
func withPostgresDatabase<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
    let url = try #require(ProcessInfo.processInfo.environment["GATEHOUSE_TEST_POSTGRES_URL"], "run the tests with scripts/test")
    var logger = Logger(label: "pg-test")
    logger.logLevel = .warning
    let admin = try PostgresSource(url: url, logger: logger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            await admin.client.run()
            return nil
        }
        defer { group.cancelAll() }
        let name = "gh_live_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
        try await admin.withDatabase { try await $0.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
        let result = try await body(url.replacingOccurrences(of: "/gatehouse_test", with: "/\(name)"))
        try await admin.withDatabase { try await $0.raw("DROP DATABASE \(unsafeRaw: name) WITH (FORCE)").run() }
        return result
    }
}

extension GatehouseConfig {
    /// The embedded default plus `openai/gpt-4o` and `beta-model` (in the access group `beta`),
    /// for tests of model access.
    static var withAccessGroups: GatehouseConfig {
        var config = GatehouseConfig.embeddedDefault
        config.models.append(Deployment.mock(modelName: "openai/gpt-4o"))
        var grouped = Deployment.mock(modelName: "beta-model")
        grouped.accessGroups = ["beta"]
        config.models.append(grouped)
        return config
    }
}

/// A deployment pointing at a local upstream.
func deployment(_ name: String, provider: Deployment.Provider = .openai, port: Int, id: String? = nil) -> Deployment {
    var deployment = Deployment(id: id ?? "\(name)-\(port)", modelName: name, provider: provider, upstreamModel: "up-\(name)")
    deployment.apiBase = provider == .anthropic ? "http://127.0.0.1:\(port)" : "http://127.0.0.1:\(port)/v1"
    deployment.apiKey = TestKeys.upstream
    if provider == .azure {
        deployment.apiVersion = "2024-06-01"
        deployment.apiBase = "http://127.0.0.1:\(port)"
    }
    return deployment
}

extension TestClientProtocol {
    /// POST a JSON body with the master key (or the given headers).
    func post(_ path: String, _ body: JSONValue, headers: HTTPFields = [.authorization: "Bearer \(TestKeys.master)"]) async throws -> TestResponse {
        try await send(.post, path, body, headers: headers)
    }

    func send(
        _ method: HTTPRequest.Method, _ path: String, _ body: JSONValue, headers: HTTPFields = [.authorization: "Bearer \(TestKeys.master)"]
    ) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await execute(uri: path, method: method, headers: headers, body: ByteBuffer(bytes: JSONCoding.encode(body))) { $0 }
    }

    func get(_ path: String, headers: HTTPFields = [.authorization: "Bearer \(TestKeys.master)"]) async throws -> TestResponse {
        try await execute(uri: path, method: .get, headers: headers) { $0 }
    }
}

extension TestResponse {
    var json: JSONValue? { try? JSONCoding.decode(body.readableBytesView) }
    var text: String { String(buffer: body) }

    /// The events of an SSE body.
    var events: [SSEEvent] {
        var parser = SSEParser()
        return (try? parser.feed(body.readableBytesView)) ?? []
    }
}

func bearer(_ key: String) -> HTTPFields { [.authorization: "Bearer \(key)"] }

func chat(_ model: String, _ text: String = "Hello", stream: Bool? = nil) -> JSONValue {
    var body: JSONValue = ["model": .string(model), "messages": [["role": "user", "content": .string(text)]]]
    if let stream { body["stream"] = .bool(stream) }
    return body
}
