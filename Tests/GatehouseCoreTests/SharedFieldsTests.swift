import GatehouseCore
import Testing

/// `Principal` and `Deployment` keep their fields in a box their copies share: they must still
/// behave as values — a change to one copy is never seen through another.
@Suite("Values whose fields are shared between copies")
struct SharedFieldsTests {
    @Test func aChangedCopyLeavesTheOriginalAlone() {
        var original = Principal(id: "key-1", method: .apiKey, role: .internalUser, allowedModels: ["gpt-4o"])
        original.limitSubjects = [LimitSubject(id: "key:key-1", level: .key, limits: Limits())]
        var copy = original
        #expect(copy == original)
        copy.keyID = "key-2"
        copy.allowedModels.append("claude")
        copy.limitSubjects.removeAll()
        #expect(original.keyID == nil)
        #expect(original.allowedModels == ["gpt-4o"])
        #expect(original.limitSubjects.count == 1)
        #expect(copy.keyID == "key-2")
        #expect(copy.allowedModels == ["gpt-4o", "claude"])
        #expect(copy != original)
        // Changed back field by field: equal again, though the boxes differ.
        copy.keyID = nil
        copy.allowedModels = ["gpt-4o"]
        copy.limitSubjects = original.limitSubjects
        #expect(copy == original)
    }

    /// A thousand changes to one value, then a copy taken and the value changed again: the copy
    /// keeps what it was given.
    @Test func manyChangesThenACopyThatStaysAsItWas() {
        var principal = Principal(id: "p", method: .jwt, role: .internalUser)
        for index in 0..<1000 { principal.allowedModels.append("model-\(index)") }
        #expect(principal.allowedModels.count == 1000)
        #expect(principal.allowedModels.last == "model-999")
        let frozen = principal
        principal.allowedModels.removeLast()
        #expect(frozen.allowedModels.count == 1000)
        #expect(principal.allowedModels.count == 999)
    }

    @Test func deploymentsAreValuesToo() {
        var original = Deployment(id: "0-gpt", modelName: "gpt", provider: .openai, upstreamModel: "gpt-4o")
        original.apiBase = "https://api.openai.com/v1"
        original.extraHeaders["x-team"] = "a"
        let shared = original
        var changed = original
        changed.mock.latencyMs = 25
        changed.extraHeaders["x-team"] = "b"
        changed.accessGroups.append("beta")
        #expect(original == shared)
        #expect(original.mock.latencyMs == 0)
        #expect(original.extraHeaders == ["x-team": "a"])
        #expect(original.accessGroups.isEmpty)
        #expect(changed.mock.latencyMs == 25)
        #expect(changed.extraHeaders == ["x-team": "b"])
        #expect(changed != original)
        #expect(original.configuredModel == "openai/gpt-4o")
        #expect(original.isOnProvidersOwnAPI)
        #expect(!changed.isWildcard)
    }

    /// Copies made on many tasks at once, each changed on its own: none sees another's change.
    @Test func copiesChangedConcurrentlyStayApart() async {
        let original = Principal(id: "shared", method: .apiKey, role: .internalUser)
        let seen = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<64 {
                group.addTask {
                    var mine = original
                    for step in 0..<100 { mine.allowedModels.append("\(index)-\(step)") }
                    return mine.allowedModels.count == 100 && mine.allowedModels.allSatisfy { $0.hasPrefix("\(index)-") }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(seen.count == 64 && seen.allSatisfy { $0 })
        #expect(original.allowedModels.isEmpty)
    }
}
