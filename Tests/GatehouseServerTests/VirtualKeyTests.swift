import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Virtual keys")
struct VirtualKeyTests {
    var config: GatehouseConfig { .withAccessGroups }

    /// Creates a key with the master key and returns (raw key, token).
    func generate(_ client: any TestClientProtocol, _ body: JSONValue = [:]) async throws -> (String, String) {
        let response = try await client.post("/key/generate", body)
        #expect(response.status == .ok)
        let raw = try #require(response.json?["key"]?.stringValue)
        let token = try #require(response.json?["token"]?.stringValue)
        return (raw, token)
    }

    @Test func aGeneratedKeyWorksAndIsShownOnlyOnce() async throws {
        try await withGatehouse(config) { client, _ in
            let response = try await client.post("/key/generate", ["key_alias": "ci", "metadata": ["team": "search"], "max_budget": 5])
            let raw = try #require(response.json?["key"]?.stringValue)
            #expect(APIKeyFormat.hasValidChecksum(raw))
            #expect(response.json?["key_name"] == .string(APIKeyFormat.display(raw)))
            #expect(response.json?["key_alias"] == "ci")
            #expect(response.json?["max_budget"] == 5)
            let token = try #require(response.json?["token"]?.stringValue)

            let completion = try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw))
            #expect(completion.status == .ok)

            let info = try await client.get("/key/info?key=\(token)")
            #expect(info.json?["info"]?["key_alias"] == "ci")
            #expect(info.json?["info"]?["metadata"] == ["team": "search"])
            #expect(!info.text.contains(raw))
            #expect(!info.text.contains(APIKeyFormat.hash(raw)))
        }
    }

    @Test func blockingTakesEffectOnTheVeryNextRequestAndUnblockingRestores() async throws {
        try await withGatehouse(config) { client, _ in
            let (raw, token) = try await generate(client)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw)).status == .ok)
            let blocked = try await client.post("/key/block", ["key": .string(token)])
            #expect(blocked.json?["blocked"] == true)
            let refused = try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw))
            #expect(refused.status == .unauthorized)
            #expect(refused.json?["error"]?["message"] == "This API key is blocked.")
            _ = try await client.post("/key/unblock", ["key": .string(raw)])
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw)).status == .ok)
        }
    }

    @Test func deletedKeysAreRefusedAtOnce() async throws {
        try await withGatehouse(config) { client, _ in
            let (raw, token) = try await generate(client)
            let deleted = try await client.post("/key/delete", ["keys": [.string(token)]])
            #expect(deleted.json?["deleted_keys"] == [.string(token)])
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw)).status == .unauthorized)
            #expect(try await client.get("/key/info?key=\(token)").status == .notFound)
        }
    }

    @Test func expiryIsEnforcedToTheSecond() async throws {
        let clock = TestClock()
        try await withGatehouse(config, clock: clock) { client, _ in
            let (raw, _) = try await generate(client, ["duration": "30s"])
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw)).status == .ok)
            clock.advance(25)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw)).status == .ok)
            clock.advance(5)
            let expired = try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw))
            #expect(expired.status == .unauthorized)
            #expect(expired.json?["error"]?["message"] == "This API key has expired.")
        }
    }

    @Test func regeneratingReplacesTheSecretAtOnceOrAfterAGracePeriod() async throws {
        let clock = TestClock()
        try await withGatehouse(config, clock: clock) { client, _ in
            let (old, token) = try await generate(client, ["key_alias": "rotating", "rpm_limit": 7])
            let rotated = try await client.post("/key/regenerate", ["key": .string(token)])
            let fresh = try #require(rotated.json?["key"]?.stringValue)
            #expect(fresh != old && rotated.json?["token"] == .string(token) && rotated.json?["rpm_limit"] == 7)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(old)).status == .unauthorized)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(fresh)).status == .ok)

            let graced = try await client.post("/key/\(token)/regenerate", ["grace_period": "60s"])
            let newest = try #require(graced.json?["key"]?.stringValue)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(fresh)).status == .ok)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(newest)).status == .ok)
            clock.advance(60)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(fresh)).status == .unauthorized)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(newest)).status == .ok)
        }
    }

    @Test func modelAccessHonoursNamesWildcardsAndAccessGroups() async throws {
        try await withGatehouse(config) { client, _ in
            let (raw, _) = try await generate(client, ["models": ["openai/*", "beta"]])
            #expect(try await client.post("/v1/chat/completions", chat("openai/gpt-4o"), headers: bearer(raw)).status == .ok)
            #expect(try await client.post("/v1/chat/completions", chat("beta-model"), headers: bearer(raw)).status == .ok)
            let forbidden = try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw))
            #expect(forbidden.status == .forbidden)
            #expect(forbidden.json?["error"]?["param"] == "model")
            let models = try await client.get("/v1/models", headers: bearer(raw))
            #expect(models.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["beta-model", "openai/gpt-4o"])
        }
    }

    @Test func mistypedTruncatedOrStoredFormsOfAKeyAre401() async throws {
        try await withGatehouse(config) { client, _ in
            let (raw, token) = try await generate(client)
            var typo = Array(raw)
            typo[10] = typo[10] == "a" ? "b" : "a"
            for attempt in [String(typo), String(raw.dropLast()), raw + "0", token, APIKeyFormat.hash(raw), APIKeyFormat.display(raw)] {
                let response = try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(attempt))
                #expect(response.status == .unauthorized)
                #expect(response.json?["error"]?["type"] == "authentication_error")
            }
        }
    }

    @Test func allowedRoutesLimitWhatAKeyMayCall() async throws {
        try await withGatehouse(config) { client, _ in
            let (raw, _) = try await generate(client, ["allowed_routes": ["/v1/embeddings"]])
            #expect(try await client.post("/v1/embeddings", ["model": "mock-gpt", "input": "x"], headers: bearer(raw)).status == .ok)
            let chatting = try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw))
            #expect(chatting.status == .forbidden)
            #expect(chatting.json?["error"]?["type"] == "permission_error")
        }
    }

    @Test func aKeyWithoutAUserReadsItselfAndChangesNothing() async throws {
        try await withGatehouse(config) { client, _ in
            let (raw, token) = try await generate(client)
            let (_, other) = try await generate(client)
            let attempts: [(String, JSONValue)] = [
                ("/key/generate", [:]), ("/key/delete", ["keys": [.string(token)]]), ("/key/block", ["key": .string(token)]),
            ]
            for (path, body) in attempts {
                let response = try await client.post(path, body, headers: bearer(raw))
                #expect(response.status == .forbidden)
                #expect(response.json?["error"]?["type"] == "auth_error")
            }
            #expect(try await client.get("/key/list", headers: bearer(raw)).status == .forbidden)
            #expect(try await client.get("/key/info?key=\(other)", headers: bearer(raw)).status == .forbidden)
            let own = try await client.get("/key/info", headers: bearer(raw))
            #expect(own.status == .ok)
            #expect(own.json?["key"] == .string(token))
        }
    }

    @Test func updateListAndImportedKeys() async throws {
        try await withGatehouse(config) { client, _ in
            let imported = "sk-imported-from-litellm-0123456789abcdef"
            let (raw, token) = try await generate(client, ["key": .string(imported), "user_id": "alice"])
            #expect(raw == imported)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(imported)).status == .ok)
            let updated = try await client.post("/key/update", ["key": .string(token), "models": ["mock-gpt"], "rpm_limit": 10])
            #expect(updated.json?["models"] == ["mock-gpt"])
            #expect(updated.json?["rpm_limit"] == 10)
            _ = try await generate(client, ["user_id": "bob"])
            let list = try await client.get("/key/list?user_id=alice")
            #expect(list.json?["keys"] == [.string(token)])
            let full = try await client.get("/key/list?return_full_object=true&size=1")
            #expect(full.json?["keys"]?.arrayValue?.count == 1)
            #expect(full.json?["total_count"] == 2)
            #expect(full.json?["total_pages"] == 2)

            let short = try await client.post("/key/generate", ["key": "sk-short"])
            #expect(short.status == .badRequest)
            #expect(short.json?["error"]?["param"] == "key")
            let duplicate = try await client.post("/key/generate", ["key": .string(imported)])
            #expect(duplicate.status == .badRequest)
            let badDuration = try await client.post("/key/generate", ["duration": "forever"])
            #expect(badDuration.json?["error"]?["param"] == "duration")
        }
    }
}
