import ArgumentParser
import Foundation
import GatehouseCore

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Work with configuration files.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate a configuration file without serving.")

        @Argument(help: "The YAML file to check.")
        var file: String

        func run() async throws {
            do {
                let result = try ConfigFile.load(path: file)
                for warning in result.warnings { print("warning: \(warning)") }
                let config = result.config
                print("\(file): OK — \(config.models.count) deployment(s) serving \(Set(config.models.map(\.modelName)).count) model(s)")
            } catch let error as ConfigError {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
    }
}
