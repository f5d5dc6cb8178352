import Foundation
import Logging
import PostgresKit
public import PostgresNIO
public import SQLKit
public import ServiceLifecycle

/// A PostgreSQL database shared by several Gatehouse instances, through PostgresNIO's pool.
/// The pool is a `Service`: it must be running (in the service group) before queries are made.
public final class PostgresSource: SQLConnectionSource, Service {
    public let client: PostgresClient
    private let logger: Logger

    public struct InvalidURL: Error, CustomStringConvertible {
        public var description: String
    }

    /// - Parameter url: `postgres://user:password@host:port/database?sslmode=disable|prefer|require`.
    public init(url: String, logger: Logger) throws {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
            let host = components.host, let user = components.user
        else {
            throw InvalidURL(description: "expected postgres://user:password@host:port/database")
        }
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        switch mode {
        case "disable": tls = .disable
        case "require", "verify-full", "verify-ca": tls = .require(.makeClientConfiguration())
        default: tls = .prefer(.makeClientConfiguration())
        }
        let database = components.path.split(separator: "/").first.map(String.init)
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password, database: database, tls: tls
        )
        configuration.options.maximumConnections = 16
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.logger = logger
    }

    public func withDatabase<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in try await body(connection.sql(queryLogLevel: nil)) }
    }

    public func withTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection.sql(queryLogLevel: nil)) }
        } catch let error as PostgresTransactionError {
            // The caller's own error (a refusal) rolled the transaction back: hand it on as it was.
            if let reason = error.closureError, error.beginError == nil, error.commitError == nil { throw reason }
            throw error
        }
    }

    public func run() async throws {
        await client.run()
    }
}
