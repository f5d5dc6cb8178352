import ArgumentParser

@main
struct GatehouseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehouse",
        abstract: "An LLM gateway: authenticate, authorize, route and meter every model call.",
        subcommands: [Serve.self, ConfigCommand.self],
        defaultSubcommand: Serve.self
    )
}
