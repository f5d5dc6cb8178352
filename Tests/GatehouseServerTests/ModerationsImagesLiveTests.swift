import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// `/v1/moderations` and `/v1/images/generations`: authorized, limited and budgeted like chat,
/// images billed by the image.
@Suite("Moderations and image generations, live")
struct ModerationsImagesLiveTests {
    static var config: GatehouseConfig {
        var image = Deployment.mock(modelName: "mock-image")
        image.outputCostPerImage = 0.04
        var config = GatehouseConfig(models: [Deployment.mock(modelName: "mock-moderation"), image])
        config.models.append(deployment("claude", provider: .anthropic, port: 9, id: "claude"))
        return config
    }

    @Test func moderationsAnswerAndCostNothing() async throws {
        try await withGatehouse(Self.config) { client, _ in
            let clean = try await client.post("/v1/moderations", ["model": "mock-moderation", "input": "hello"])
            #expect(clean.status == .ok && clean.json?["results"]?.arrayValue?.first?["flagged"] == false)
            #expect(
                try await client.post("/moderations", ["model": "mock-moderation", "input": "flag me"]).json?["results"]?.arrayValue?.first?[
                    "flagged"] == true)
            // An Anthropic model has no moderations: a clear 400, not a translation.
            #expect(try await client.post("/v1/moderations", ["model": "claude", "input": "x"]).status == .badRequest)
            let narrow = try #require(try await client.post("/key/generate", ["models": ["mock-image"]]).json?["key"]?.stringValue)
            let refused = try await client.post("/v1/moderations", ["model": "mock-moderation", "input": "x"], headers: bearer(narrow))
            #expect(refused.status == .forbidden && refused.json?["error"]?["type"] == "key_model_access_denied")
        }
    }

    @Test func imagesAreBilledByTheImageWithinTheBudget() async throws {
        try await withGatehouse(Self.config) { client, _ in
            let two = try await client.post("/v1/images/generations", ["model": "mock-image", "prompt": "a lighthouse", "n": 2])
            #expect(two.status == .ok && two.json?["data"]?.arrayValue?.count == 2)
            #expect(two.headers[HTTPField.Name("x-litellm-response-cost")!] == "0.08")
            _ = try await eventually { try await client.get("/spend/logs").json?.arrayValue?.isEmpty == false }
            let row = try #require(try await client.get("/spend/logs").json?.arrayValue?.first)
            #expect(row["completion_tokens"] == 2 && row["spend_exact"] == "0.08" && row["model"] == "mock-image")

            // A key with $0.05 left may make one image, not two.
            let key = try #require(try await client.post("/key/generate", ["max_budget": 0.05]).json?["key"]?.stringValue)
            let refused = try await client.post("/v1/images/generations", ["model": "mock-image", "prompt": "x", "n": 2], headers: bearer(key))
            #expect(refused.json?["error"]?["message"]?.stringValue?.contains("Budget has been exceeded!") == true)
            #expect(try await client.post("/images/generations", ["model": "mock-image", "prompt": "x"], headers: bearer(key)).status == .ok)
            #expect(try await client.post("/v1/images/generations", ["model": "mock-image", "prompt": "x", "n": 0]).status == .badRequest)
        }
    }
}
