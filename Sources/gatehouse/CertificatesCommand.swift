import ArgumentParser
import Foundation
import GatehouseCore
import GatehouseStore

struct CertificatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certificates", abstract: "Bind client certificate identities to keys, users or teams, directly in the store.",
        subcommands: [Bind.self, List.self, Unbind.self]
    )

    struct Bind: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Bind an identity (san_uri:…, fingerprint:…) to a key, or to a user and/or team.")
        @Option(name: .long, help: "YAML configuration file.") var config: String?
        @Argument(help: "The identity: <kind>:<value>, kind one of san_uri, san_dns, san_email, subject_cn, fingerprint.") var identity: String
        @Option(name: .customLong("key-id"), help: "The key (key_…) the certificate acts as.") var keyID: String?
        @Option(name: .customLong("user-id"), help: "The user the certificate acts as.") var userID: String?
        @Option(name: .customLong("team-id"), help: "The team the certificate acts in.") var teamID: String?

        func validate() throws {
            guard ClientCertificate.kind(of: identity) != nil else {
                throw ValidationError("the identity must start with san_uri:, san_dns:, san_email:, subject_cn: or fingerprint:")
            }
            guard (keyID != nil) != (userID != nil || teamID != nil) else { throw ValidationError("give --key-id, or --user-id and/or --team-id") }
        }

        func run() async throws {
            let binding = CertificateBinding(id: identity, keyID: keyID, userID: userID, teamID: teamID)
            try await StoreAccess.with(config: config) { store, feed in
                if let keyID = binding.keyID, try await store.keys.key(id: keyID) == nil { throw ValidationError("no such key \(keyID)") }
                if let userID = binding.userID, try await store.directory.user(id: userID) == nil { throw ValidationError("no such user \(userID)") }
                if let teamID = binding.teamID, try await store.directory.team(id: teamID) == nil { throw ValidationError("no such team \(teamID)") }
                if try await store.certificates.binding(id: binding.id) != nil {
                    try await store.certificates.update(binding)
                } else {
                    try await store.certificates.insert(binding)
                }
                try await feed.publish(.certificate(binding.id))
            }
            print("bound \(identity)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List bindings.")
        @Option(name: .long, help: "YAML configuration file.") var config: String?

        func run() async throws {
            for binding in try await StoreAccess.with(config: config, { store, _ in try await store.certificates.bindings() }) {
                let target =
                    binding.keyID.map { "key \($0)" }
                    ?? [binding.userID.map { "user \($0)" }, binding.teamID.map { "team \($0)" }]
                    .compactMap { $0 }.joined(separator: ", ")
                print("\(binding.id)\t\(target)")
            }
        }
    }

    struct Unbind: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a binding: the certificate identifies no one any more.")
        @Option(name: .long, help: "YAML configuration file.") var config: String?
        @Argument(help: "The identity.") var identity: String

        func run() async throws {
            let removed = try await StoreAccess.with(config: config) { store, feed in
                let count = try await store.certificates.delete(ids: [identity])
                try await feed.publish(.certificate(identity))
                return count
            }
            guard removed > 0 else { throw ValidationError("no such binding") }
            print("unbound \(identity)")
        }
    }
}
