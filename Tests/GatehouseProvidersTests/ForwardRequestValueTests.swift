import GatehouseCore
import GatehouseProviders
import Testing

/// `ForwardRequest` shares its fields between copies (`SharedFields`): admission may lower a
/// copy's `max_tokens` and set its region while the request as the client sent it stays as it was.
@Suite("A forwarded request is a value")
struct ForwardRequestValueTests {
    @Test func aChangedCopyLeavesTheOriginalAlone() {
        let body: JSONValue = ["model": "gpt", "max_tokens": 4000, "messages": [["role": "user", "content": "hi"]]]
        let original = ForwardRequest(endpoint: .chatCompletions, model: "gpt", body: body, stream: false, clientWantsUsage: false)
        var admitted = original
        admitted.body["max_tokens"] = 100
        admitted.region = "eu"
        admitted.anthropic.betas.append("tools-2024-04-04")
        admitted.stream = true
        #expect(original.body["max_tokens"] == 4000)
        #expect(original.region == nil)
        #expect(original.anthropic.betas.isEmpty)
        #expect(!original.stream)
        #expect(admitted.body["max_tokens"] == 100)
        #expect(admitted.body["messages"] == body["messages"])
        #expect(admitted.region == "eu")
        #expect(admitted.anthropic.betas == ["tools-2024-04-04"])
        #expect(admitted.stream)
    }
}
