import ArgumentParser
import GatehouseCore
import GatehouseStore

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Check the audit trail.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove the stored audit trail unbroken, or name the first altered, missing or reordered record (exit status 1).")
        @Option(name: .long, help: "YAML configuration file.") var config: String?

        func run() async throws {
            let finding = try await StoreAccess.with(config: config) { store, _ in try await AuditStore(source: store.source).verify() }
            print("audit trail \(finding)")
            guard case .intact = finding else { throw ExitCode(1) }
        }
    }
}
