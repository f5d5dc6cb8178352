import Foundation
import GatehouseCore
import NIOPosix
import Synchronization

/// Where JSON lines go: stdout, stderr, or a file appended to (created with mode 0600 if missing,
/// never truncated). Lines written together stay together.
final class LineSink: Sendable {
    private let handle: Mutex<FileHandle>

    static let standardOutput = LineSink(handle: .standardOutput)
    static let standardError = LineSink(handle: .standardError)

    private init(handle: FileHandle) {
        self.handle = Mutex(handle)
    }

    /// `stdout`, `stderr`, or a file path.
    convenience init(_ destination: String) throws {
        switch destination {
        case "stdout": self.init(handle: .standardOutput)
        case "stderr": self.init(handle: .standardError)
        default:
            if !FileManager.default.fileExists(atPath: destination) {
                guard FileManager.default.createFile(atPath: destination, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                    throw GatewayError.invalidRequest("Cannot create \(destination).")
                }
            }
            guard let handle = FileHandle(forWritingAtPath: destination) else { throw GatewayError.invalidRequest("Cannot write \(destination).") }
            handle.seekToEndOfFile()
            self.init(handle: handle)
        }
    }

    func write(_ bytes: [UInt8]) {
        handle.withLock { $0.write(Data(bytes)) }
    }

    /// Runs blocking writes on NIO's thread pool for blocking I/O, off the event loops and the
    /// concurrency pool (here, if the pool has stopped: the process is ending).
    static func offloaded(_ write: @escaping @Sendable () -> Void) async {
        do {
            try await NIOThreadPool.singleton.runIfActive(write)
        } catch {
            write()
        }
    }

    func append(_ lines: [String]) {
        guard !lines.isEmpty else { return }
        let bytes = Data((lines.joined(separator: "\n") + "\n").utf8)
        handle.withLock { $0.write(bytes) }
    }
}
