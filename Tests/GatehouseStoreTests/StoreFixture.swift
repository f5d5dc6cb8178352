import Foundation
import GatehouseStore
import Logging
import PostgresNIO
import SQLKit
import Testing

/// The two databases every store test runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres
    var testDescription: String { rawValue }
}

enum StoreFixture {
    static var logger: Logger {
        var logger = Logger(label: "store-test")
        logger.logLevel = .warning
        return logger
    }

    /// `scripts/test` starts a throwaway server and sets this; without it PostgreSQL tests fail
    /// rather than pass silently.
    static var postgresURL: String? { ProcessInfo.processInfo.environment["GATEHOUSE_TEST_POSTGRES_URL"] }

    /// A fresh, migrated database of the given kind, dropped afterwards.
    static func withSource<T: Sendable>(_ kind: StoreKind, _ body: @Sendable (any SQLConnectionSource) async throws -> T) async throws -> T {
        switch kind {
        case .sqlite:
            let source = try await SQLiteSource.inMemory(logger: logger)
            let result = try await body(source)
            try await source.close()
            return result
        case .postgres:
            let url = try #require(postgresURL, "GATEHOUSE_TEST_POSTGRES_URL is not set: run the tests with scripts/test")
            let admin = try PostgresSource(url: url, logger: logger)
            return try await running(admin) {
                let name = "gh_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
                try await admin.withDatabase { try await $0.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
                let database = try PostgresSource(url: url.replacingOccurrences(of: "/gatehouse_test", with: "/\(name)"), logger: logger)
                let result = try await running(database) { try await body(database) }
                try await admin.withDatabase { try await $0.raw("DROP DATABASE \(unsafeRaw: name) WITH (FORCE)").run() }
                return result
            }
        }
    }

    /// Runs the pool's service while `body` runs.
    static func running<T: Sendable>(_ source: PostgresSource, _ body: @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await source.client.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}
