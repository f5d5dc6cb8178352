import GatehouseCore
import Testing

@testable import GatehouseProviders

/// An answer handed on as it came is built only as far as `membersRead` says: what
/// `translateResponse` makes of those members alone is what it makes of the whole answer.
@Suite("Members read of an answer passed on")
struct AnswerMembersTests {
    static let openAIAnswer = #"""
        {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"up","choices":[{"index":0,
        "message":{"role":"assistant","content":"Hi \"there\" é"},"finish_reason":"stop"}],
        "usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10,"prompt_tokens_details":{"cached_tokens":2}}}
        """#
    static let anthropicAnswer = #"""
        {"id":"msg_1","type":"message","role":"assistant","model":"up","content":[{"type":"text","text":"Hi"}],
        "stop_reason":"end_turn","usage":{"input_tokens":7,"output_tokens":3,"cache_read_input_tokens":2}}
        """#

    @Test(arguments: [
        (Deployment.Provider.openai, Endpoint.chatCompletions, openAIAnswer), (.openai, .completions, openAIAnswer),
        (.openai, .embeddings, openAIAnswer), (.anthropic, .messages, anthropicAnswer),
    ])
    func theMembersReadGiveWhatTheWholeAnswerGives(provider: Deployment.Provider, endpoint: Endpoint, answer: String) throws {
        let adapter = ProviderAdapter(
            deployment: Deployment(id: "d", modelName: "m", provider: provider, upstreamModel: "up"),
            transport: MockUpstream(model: "m", settings: Deployment(id: "d", modelName: "m", provider: .mock, upstreamModel: "m").mock))
        let names = try #require(adapter.membersRead(endpoint))
        let whole = try JSONCoding.decode(Array(answer.utf8))
        let kept = try JSONCoding.decode(Array(answer.utf8), keeping: names)
        let (fromWhole, usage) = adapter.translateResponse(endpoint, body: whole, clientModel: "m")
        let (fromKept, keptUsage) = adapter.translateResponse(endpoint, body: kept, clientModel: "m")
        #expect(keptUsage == usage && usage != nil)
        #expect(fromKept["id"] == fromWhole["id"] && fromWhole["id"] != nil)
    }

    /// Translated answers, and images (counted from `data`), are read whole.
    @Test func translatedAnswersAndImagesAreReadWhole() {
        func adapter(_ provider: Deployment.Provider) -> ProviderAdapter {
            ProviderAdapter(
                deployment: Deployment(id: "d", modelName: "m", provider: provider, upstreamModel: "up"),
                transport: MockUpstream(model: "m", settings: Deployment(id: "d", modelName: "m", provider: .mock, upstreamModel: "m").mock))
        }
        #expect(adapter(.anthropic).membersRead(.chatCompletions) == nil)
        #expect(adapter(.openai).membersRead(.messages) == nil)
        #expect(adapter(.openai).membersRead(.imageGenerations) == nil)
    }
}
