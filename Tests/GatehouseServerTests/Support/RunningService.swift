import Logging
import ServiceLifecycle

/// Runs a service while `body` runs, then shuts it down gracefully and waits for it to return.
func withRunningService(_ service: some Service, _ body: () async throws -> Void) async throws {
    let group = ServiceGroup(services: [service], logger: Logger(label: "test"))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            try await body()
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}
