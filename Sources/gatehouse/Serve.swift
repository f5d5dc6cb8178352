import ArgumentParser
import Foundation
import GatehouseCore
import GatehouseServer
import GatehouseStore
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway.")

    @Option(name: .long, help: "YAML configuration file (LiteLLM-compatible). Without it: the embedded default.")
    var config: String?

    @Option(name: .long, help: "Address to listen on (overrides gatehouse_settings.host).")
    var host: String?

    @Option(name: .long, help: "Port to listen on (overrides gatehouse_settings.port).")
    var port: Int?

    func run() async throws {
        let loaded: ConfigLoader.Result
        do {
            loaded = try ConfigFile.load(path: config)
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        var settings = loaded.config
        if let host { settings.server.listener.host = host }
        if let port { settings.server.listener.port = port }

        let level = Logger.Level(rawValue: settings.server.observability.logLevel.rawValue) ?? .info
        let format = settings.server.observability.logFormat
        let output: FileHandle
        do {
            output = try LineLogHandler.output(settings.server.observability.logDestination)
        } catch {
            FileHandle.standardError.write(Data("error: cannot write the log to \(settings.server.observability.logDestination)\n".utf8))
            throw ExitCode(2)
        }
        let writer = LogWriter(output: output)
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, format: format, output: writer, logLevel: level) }
        // Whatever ends the process, what was logged is out first.
        defer { writer.flush() }
        let logger = Logger(label: "gatehouse")
        for warning in loaded.warnings { logger.warning("\(warning)") }

        let (masterKey, announce) =
            try settings.masterKey.map { ($0, nil) }
            ?? {
                let (key, created) = try MasterKeyFile.loadOrCreate(dataDirectory: settings.server.dataDirectory)
                return (key, created ? key : nil)
            }()
        let server = settings.server
        let firstModel = settings.models.first?.modelName ?? "mock-gpt"
        let store = try await StoreConnection.open(databaseURL: settings.databaseURL, dataDirectory: settings.server.dataDirectory, logger: logger)
        let app: GatehouseApplication.App
        do {
            let path = config
            let (host, port) = (host, port)
            app = try GatehouseApplication.make(
                config: settings, masterKey: masterKey, store: store, logger: logger, reloadOnHangup: true,
                reloadConfiguration: {
                    var reloaded = try ConfigFile.load(path: path).config
                    if let host { reloaded.server.listener.host = host }
                    if let port { reloaded.server.listener.port = port }
                    return reloaded
                }
            ) { port in
                logger.info("Gatehouse listening on \(server.listener.scheme)://\(server.listener.host):\(port)")
                if let key = announce {
                    let banner = Banner.firstStart(
                        masterKey: key, scheme: server.listener.scheme, host: server.listener.host, port: port, model: firstModel,
                        dataDirectory: server.dataDirectory)
                    FileHandle.standardOutput.write(Data(banner.utf8))
                }
            }
        } catch {
            await store.closeUnused()
            throw error
        }
        try await GatehouseApplication.run(app, settings: server.listener, logger: logger)
    }
}

enum Banner {
    /// Shown once, when the master key was just generated: the only time it is printed.
    static func firstStart(masterKey: String, scheme: String, host: String, port: Int, model: String, dataDirectory: String) -> String {
        let base = "\(scheme)://\(host):\(port)"
        return """

            Gatehouse generated a master key and saved it in \(dataDirectory)/master_key (owner-only).
            It is shown this once:

                \(masterKey)

            The console: \(base)/ui (sign in as `admin` with the master key).

            Try it:

                curl \(base)/v1/chat/completions \\
                  -H "Authorization: Bearer \(masterKey)" \\
                  -H "Content-Type: application/json" \\
                  -d '{"model": "\(model)", "messages": [{"role": "user", "content": "Hello"}]}'

            Or with the OpenAI Python SDK:

                from openai import OpenAI
                client = OpenAI(base_url="\(base)/v1", api_key="\(masterKey)")
                print(client.chat.completions.create(model="\(model)", messages=[{"role": "user", "content": "Hello"}]).choices[0].message.content)

            """
    }
}
