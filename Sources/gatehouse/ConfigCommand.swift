import ArgumentParser
import Foundation
import GatehouseAuth
import GatehouseCore

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Work with configuration files.", subcommands: [Check.self, Reference.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate a configuration file without serving.")

        @Argument(help: "The YAML file to check.")
        var file: String

        func run() async throws {
            do {
                let result = try ConfigFile.load(path: file)
                for warning in result.warnings { print("warning: \(warning)") }
                let config = result.config
                for issuer in config.jwtIssuers {
                    do {
                        try JWTIssuerKeys.checkInlineKeys(of: issuer)
                    } catch {
                        FileHandle.standardError.write(Data("error: \(file): \(error)\n".utf8))
                        throw ExitCode(2)
                    }
                }
                print(
                    "\(file): OK — \(config.models.count) deployment(s) serving \(Set(config.models.map(\.modelName)).count) model(s), "
                        + "\(config.jwtIssuers.count) JWT issuer(s)")
            } catch let error as ConfigError {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
    }

    struct Reference: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the reference of every gatehouse_settings key (Markdown, as docs/configuration.md has it).")

        func run() async throws {
            print(ConfigReference.gatehouseSettings, terminator: "")
        }
    }
}
