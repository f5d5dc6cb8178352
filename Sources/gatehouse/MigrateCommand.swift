import ArgumentParser

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply database migrations (serve also applies them at start).")

    @Option(name: .long, help: "YAML configuration file; its general_settings.database_url picks PostgreSQL.")
    var config: String?

    func run() async throws {
        try await StoreAccess.with(config: config) { _, _ in }
        print("database is up to date")
    }
}
