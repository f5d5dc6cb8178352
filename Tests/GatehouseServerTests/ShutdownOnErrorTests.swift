import GatehouseCore
import HummingbirdTesting
import Testing

@Suite("Stopping on an error")
struct ShutdownOnErrorTests {
    struct Boom: Error {}

    /// The service group is cancelled rather than shut down gracefully; the SQLite store must
    /// still be closed (an open connection at exit aborts the process).
    @Test func aCancelledApplicationStillClosesItsStore() async throws {
        await #expect(throws: Boom.self) {
            try await withGatehouse(GatehouseConfig.embeddedDefault) { client, _ in
                _ = try await client.get("/v1/models")
                throw Boom()
            }
        }
    }
}
