import ArgumentParser
import Foundation
import GatehouseCore
import GatehouseStore

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Create, list and revoke virtual keys directly in the store.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print it (the only time it is shown).")
        @Option(name: .long, help: "YAML configuration file.") var config: String?
        @Option(name: .long, help: "A name for the key.") var alias: String?
        @Option(name: .long, help: "Comma-separated models, wildcards or access groups (default: all).") var models: String?
        @Option(name: .long, help: "Lifetime such as 30d, 12h or 1mo (default: no expiry).") var duration: String?
        @Option(name: .customLong("user-id"), help: "The user the key belongs to.") var userID: String?

        func run() async throws {
            var lifetime: Double?
            if let duration {
                guard let seconds = DurationText.seconds(duration) else { throw ValidationError("--duration must look like 30s, 1h, 7d or 1mo") }
                lifetime = seconds
            }
            let raw = APIKeyFormat.generate()
            var key = VirtualKey(id: VirtualKey.newID(), hash: APIKeyFormat.hash(raw), display: APIKeyFormat.display(raw))
            key.alias = alias
            key.models = models.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? []
            key.userID = userID
            key.expiresAt = lifetime.map { Date().addingTimeInterval($0) }
            let created = key
            try await StoreAccess.with(config: config) { store, feed in
                try await store.keys.insert(created)
                try await feed.publish(.key(created.id))
            }
            print(raw)
            FileHandle.standardError.write(Data("created \(key.id) (\(key.display))\n".utf8))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (ids and display forms, never the keys).")
        @Option(name: .long, help: "YAML configuration file.") var config: String?

        func run() async throws {
            let keys = try await StoreAccess.with(config: config) { store, _ in try await store.keys.all() }
            for key in keys {
                let state = key.blocked ? "blocked" : (key.isExpired(at: Date()) ? "expired" : "active")
                let expires = key.expiresAt.map { $0.formatted(.iso8601) } ?? "never"
                print("\(key.id)\t\(key.display)\t\(key.alias ?? "-")\t\(state)\texpires \(expires)")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a key, named by its id or by the key itself.")
        @Option(name: .long, help: "YAML configuration file.") var config: String?
        @Argument(help: "The key id (key_…) or the key (sk-…).") var key: String

        func run() async throws {
            let reference = key
            let revoked = try await StoreAccess.with(config: config) { store, feed -> String? in
                let found =
                    reference.hasPrefix("sk-")
                    ? try await store.keys.key(hash: APIKeyFormat.hash(reference)) : try await store.keys.key(id: reference)
                guard let found else { return nil }
                _ = try await store.keys.delete(ids: [found.id])
                try await feed.publish(.key(found.id))
                return found.id
            }
            guard let revoked else { throw ValidationError("no such key") }
            print("revoked \(revoked)")
        }
    }
}
