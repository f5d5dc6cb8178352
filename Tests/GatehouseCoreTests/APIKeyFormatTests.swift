import GatehouseCore
import Testing

@Suite("API key format")
struct APIKeyFormatTests {
    @Test func generatedKeysHaveTheShapeAndAValidChecksum() {
        let keys = (0..<100).map { _ in APIKeyFormat.generate() }
        #expect(Set(keys).count == 100)
        for key in keys {
            #expect(key.hasPrefix("sk-"))
            #expect(key.count == APIKeyFormat.generatedLength)
            #expect(APIKeyFormat.hasValidChecksum(key))
        }
    }

    @Test func anyOneCharacterChangeBreaksTheChecksum() {
        let key = APIKeyFormat.generate()
        var failures = 0
        for offset in 3..<key.count {
            var characters = Array(key)
            characters[offset] = characters[offset] == "A" ? "B" : "A"
            if !APIKeyFormat.hasValidChecksum(String(characters)) { failures += 1 }
        }
        #expect(failures == key.count - 3)
        #expect(!APIKeyFormat.hasValidChecksum(String(key.dropLast())))
        #expect(!APIKeyFormat.hasValidChecksum(key + "x"))
    }

    @Test func hashAndDisplayRevealNothingUseful() {
        let key = APIKeyFormat.generate()
        let hash = APIKeyFormat.hash(key)
        #expect(hash.count == 64)
        #expect(hash == APIKeyFormat.hash(key))
        #expect(!hash.contains(String(key.dropFirst(3).prefix(8))))
        #expect(APIKeyFormat.display(key) == "sk-…" + key.suffix(4))
        // SHA-256("abc"), the FIPS 180-2 test vector.
        #expect(APIKeyFormat.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}

@Suite("Route and model access lists")
struct AccessListTests {
    @Test func routesMatchPathsWildcardsAndGroups() {
        #expect(RouteAccess.allows([], path: "/key/generate"))
        #expect(RouteAccess.allows(["llm_api_routes"], path: "/v1/chat/completions"))
        #expect(RouteAccess.allows(["llm_api_routes"], path: "/v1/models/openai/gpt-4o"))
        #expect(!RouteAccess.allows(["llm_api_routes"], path: "/key/generate"))
        #expect(RouteAccess.allows(["/v1/embeddings"], path: "/v1/embeddings"))
        #expect(!RouteAccess.allows(["/v1/embeddings"], path: "/v1/chat/completions"))
        #expect(RouteAccess.allows(["/key/*"], path: "/key/info"))
    }

    @Test func modelsMatchNamesWildcardsAndGroups() {
        #expect(ModelAccess.allows([], model: "x"))
        #expect(ModelAccess.allows(["openai/*"], model: "openai/gpt-4o"))
        #expect(!ModelAccess.allows(["openai/*"], model: "anthropic/claude"))
        #expect(ModelAccess.allows(["beta"], model: "m", accessGroups: ["beta"]))
        #expect(!ModelAccess.allows(["gpt-4o"], model: "gpt-4o-mini"))
    }
}
