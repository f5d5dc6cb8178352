import GatehouseCore
import GatehouseStore
import Logging
import ServiceLifecycle

/// Opens the configured store for a one-off command, with its connection running, migrated.
enum StoreAccess {
    static func with<T: Sendable>(
        config path: String?, _ body: @Sendable (IdentityStore, any IdentityChangeFeed) async throws -> T
    ) async throws -> T {
        let config = try ConfigFile.load(path: path).config
        var logger = Logger(label: "gatehouse")
        logger.logLevel = .warning
        let connection = try await StoreConnection.open(databaseURL: config.databaseURL, dataDirectory: config.server.dataDirectory, logger: logger)
        let store = IdentityStore(source: connection.source)
        let feed = connection.changeFeed(cache: IdentityCache(), logger: logger)
        let services = ServiceGroup(services: [connection.service], logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await services.run() }
            do {
                try await store.migrate()
                let result = try await body(store, feed)
                await services.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                await services.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }
}
