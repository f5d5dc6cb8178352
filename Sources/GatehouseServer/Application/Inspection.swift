import Synchronization

/// What a test may read of a running application that its listeners may not show it (served
/// over HTTPS with client certificates, or on another listener): the metrics exposition, for the
/// suite's scan for credentials, and the port the management listener bound. Attached by
/// `GatehouseApplication.make`; readable after shutdown.
public final class Inspection: Sendable {
    private let exposition = Mutex<(@Sendable () -> [UInt8])?>(nil)
    private let boundManagementPort = Mutex<Int?>(nil)

    public init() {}

    /// The management listener's port once it listens (the one the kernel chose for port 0).
    public var managementPort: Int? { boundManagementPort.withLock { $0 } }

    func managementListening(on port: Int) { boundManagementPort.withLock { $0 = port } }

    /// The Prometheus text, as `/metrics` would serve it.
    public var metrics: String { exposition.withLock { $0 }.map { String(decoding: $0(), as: UTF8.self) } ?? "" }

    func attach(_ metrics: @escaping @Sendable () -> [UInt8]) { exposition.withLock { $0 = metrics } }
}
