import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// `/v1/responses` through a live Gatehouse: held to the same rules as the chat route, and a
/// kept response is its creator's alone.
@Suite("Responses API, live")
struct ResponsesLiveTests {
    static var config: GatehouseConfig {
        var config = GatehouseConfig.withAccessGroups
        config.models[0].inputCostPerToken = 0.001
        config.models[0].outputCostPerToken = 0.001
        return config
    }

    @Test func aResponseIsItsCreatorsAlone() async throws {
        try await withGatehouse(Self.config) { client, _ in
            let ann = try #require(try await client.post("/key/generate", [:]).json?["key"]?.stringValue)
            let bob = try #require(try await client.post("/key/generate", [:]).json?["key"]?.stringValue)
            let created = try await client.post("/v1/responses", ["model": "mock-gpt", "input": "mine"], headers: bearer(ann))
            let id = try #require(created.json?["id"]?.stringValue)
            #expect(created.status == .ok && created.headers[HTTPField.Name("x-gatehouse-request-id")!] != nil)
            #expect(try await client.get("/v1/responses/\(id)", headers: bearer(ann)).json?["id"]?.stringValue == id)
            // Bob, even the master key: not found, whether reading, continuing, cancelling or deleting it.
            for headers in [bearer(bob), bearer(TestKeys.master)] {
                #expect(try await client.get("/v1/responses/\(id)", headers: headers).status == .notFound)
                #expect(try await client.send(.delete, "/v1/responses/\(id)", [:], headers: headers).status == .notFound)
                #expect(try await client.post("/v1/responses/\(id)/cancel", [:], headers: headers).status == .notFound)
                let continued = try await client.post(
                    "/v1/responses", ["model": "mock-gpt", "input": "x", "previous_response_id": .string(id)], headers: headers)
                #expect(continued.status == .notFound && continued.json?["error"]?["param"] == "previous_response_id")
            }
            #expect(try await client.post("/v1/responses/\(id)/cancel", [:], headers: bearer(ann)).status == .badRequest)
            #expect(try await client.get("/v1/responses/\(id)/input_items", headers: bearer(bob)).status == .notFound)
            let turns: JSONValue = [
                "model": "mock-gpt",
                "input": [["role": "user", "content": "one"], ["role": "assistant", "content": "two"], ["role": "user", "content": "three"]],
            ]
            let several = try #require(try await client.post("/v1/responses", turns, headers: bearer(ann)).json?["id"]?.stringValue)
            let page = try await client.get("/v1/responses/\(several)/input_items?order=asc&limit=2", headers: bearer(ann)).json
            let texts = page?["data"]?.arrayValue?.compactMap { $0["content"]?.arrayValue?.first?["text"]?.stringValue }
            #expect(texts == ["one", "two"] && page?["has_more"] == true)
            let rest = try await client.get(
                "/v1/responses/\(several)/input_items?order=asc&after=\(page?["last_id"]?.stringValue ?? "")", headers: bearer(ann)
            ).json
            #expect(rest?["data"]?.arrayValue?.first?["content"]?.arrayValue?.first?["type"] == "input_text" && rest?["has_more"] == false)
            // Not kept when asked not to be.
            let unkept = try await client.post("/v1/responses", ["model": "mock-gpt", "input": "x", "store": false], headers: bearer(ann))
            let unkeptID = try #require(unkept.json?["id"]?.stringValue)
            #expect(try await client.get("/v1/responses/\(unkeptID)", headers: bearer(ann)).status == .notFound)
        }
    }

    @Test func aResponseIsAuthorizedBudgetedAndBilledAsAChat() async throws {
        try await withGatehouse(Self.config) { client, _ in
            let narrow = try #require(try await client.post("/key/generate", ["models": ["mock-gpt"]]).json?["key"]?.stringValue)
            let refused = try await client.post("/v1/responses", ["model": "openai/gpt-4o", "input": "x"], headers: bearer(narrow))
            #expect(refused.status == .forbidden && refused.json?["error"]?["type"] == "key_model_access_denied")
            #expect(try await client.post("/v1/responses", ["model": "mock-gpt,openai/gpt-4o", "input": "x"]).status == .notFound)

            let tiny = try #require(try await client.post("/key/generate", ["max_budget": 0.001]).json?["key"]?.stringValue)
            let broke = try await client.post("/v1/responses", ["model": "mock-gpt", "input": "x", "max_output_tokens": 500], headers: bearer(tiny))
            #expect(broke.status == .badRequest || broke.status == .tooManyRequests)
            #expect(broke.json?["error"]?["message"]?.stringValue?.contains("Budget has been exceeded!") == true)

            let answered = try await client.post("/v1/responses", ["model": "mock-gpt", "input": "bill me", "max_output_tokens": 20])
            let id = try #require(answered.json?["id"]?.stringValue)
            #expect(answered.headers[HTTPField.Name("x-litellm-response-cost")!] != nil)
            var row: JSONValue?
            _ = try await eventually {
                row = try await client.get("/spend/logs?request_id=\(id)").json?.arrayValue?.first
                return row != nil
            }
            #expect(row?["model"] == "mock-gpt" && row?["prompt_tokens"] == answered.json?["usage"]?["input_tokens"])
            #expect(row?["spend"]?.doubleValue ?? 0 > 0)
        }
    }

    @Test func aStreamedResponseIsKeptAndContinued() async throws {
        try await withGatehouse(Self.config) { client, _ in
            let streamed = try await client.post("/v1/responses", ["model": "mock-gpt", "input": "first turn", "stream": true])
            #expect(streamed.headers[.contentType] == "text/event-stream")
            let completed = try #require(
                streamed.text.split(separator: "\n").last { $0.hasPrefix("data: ") && $0.contains("response.completed") })
            let response = try JSONCoding.decode(Array(completed.dropFirst(6).utf8))["response"]
            let id = try #require(response?["id"]?.stringValue)
            #expect(response?["output"]?.arrayValue?.first?["content"]?.arrayValue?.first?["text"] == "You said: first turn")
            // The next turn carries the conversation: the prompt grows by the earlier turn.
            let alone = try await client.post("/v1/responses", ["model": "mock-gpt", "input": "second turn"]).json
            let continued = try await client.post(
                "/v1/responses", ["model": "mock-gpt", "input": "second turn", "previous_response_id": .string(id)]
            ).json
            let aloneTokens = try #require(alone?["usage"]?["input_tokens"]?.intValue)
            #expect((continued?["usage"]?["input_tokens"]?.intValue ?? 0) > aloneTokens)
            #expect(continued?["previous_response_id"]?.stringValue == id)
        }
    }
}
