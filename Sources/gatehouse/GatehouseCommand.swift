import ArgumentParser
import GatehouseCore
import NIOCore
import NIOPosix

@main
struct GatehouseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehouse",
        abstract: "An LLM gateway: authenticate, authorize, route and meter every model call.",
        version: GatehouseVersion.current,
        subcommands: [
            Serve.self, ConfigCommand.self, MigrateCommand.self, KeysCommand.self, CertificatesCommand.self, AuditCommand.self, LoginCommand.self,
            TokenCommand.self, LogoutCommand.self,
        ],
        defaultSubcommand: Serve.self
    )

    /// Runs Swift concurrency on NIO's event loops, so a request's work does not hop between the
    /// event loop and the cooperative pool at every await (measured: see BENCHMARKS.md). Must happen
    /// on the main thread before any other task starts, hence here.
    static func main() async {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
