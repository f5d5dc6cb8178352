import GatehouseCore
import Testing

@Suite("Model name patterns")
struct ModelPatternTests {
    @Test func aPatternMatchesWholeNames() {
        #expect(ModelPattern("*").captures("gpt-4o") == ["gpt-4o"])
        #expect(ModelPattern("openai/*").captures("openai/gpt-4o") == ["gpt-4o"])
        #expect(ModelPattern("openai/*").captures("openaiz/gpt-4o") == nil)
        #expect(ModelPattern("bedrock/anthropic.*").captures("bedrock/anthropic.claude-3") == ["claude-3"])
        #expect(ModelPattern("bedrock/anthropic.*").captures("bedrock/anthropicXclaude") == nil)
        #expect(ModelPattern("a*b").captures("axb-extra") == nil)
        #expect(ModelPattern("exact").captures("exact") == [] && ModelPattern("exact").captures("exact2") == nil)
    }

    @Test func earlierStarsTakeAsMuchAsTheyCan() {
        #expect(ModelPattern("a/*-*").captures("a/x-y-z") == ["x-y", "z"])
        #expect(ModelPattern("llmengine/fo::*::static::*").captures("llmengine/fo::hi::static::hi") == ["hi", "hi"])
        #expect(ModelPattern("*meta.llama3*").captures("hello-world-meta.llama3-70b") == ["hello-world-", "-70b"])
    }

    @Test func substitutionFollowsLiteLLM() {
        #expect(ModelPattern.substitute(["gpt-4o"], into: "*", name: "gpt-4o") == "gpt-4o")
        #expect(ModelPattern.substitute(["foo"], into: "openai/*", name: "llmengine/foo") == "openai/foo")
        #expect(ModelPattern.substitute(["o", "baz"], into: "fo*::static::*", name: "n") == "foo::static::baz")
        // More pieces than the target has stars: the requested name as it is.
        #expect(
            ModelPattern.substitute(["hello-world-", "-70b"], into: "meta.llama3*", name: "hello-world-meta.llama3-70b")
                == "hello-world-meta.llama3-70b")
        #expect(ModelPattern.substitute(["x"], into: "fixed", name: "n") == "fixed")
    }

    @Test func aLongNameCostsLittleAndNeverMatches() {
        let pattern = ModelPattern("*a*a*a*a*b")
        let name = String(repeating: "a", count: ModelPattern.maxNameLength)
        #expect(pattern.captures(name) == nil)
        #expect(ModelPattern("*").captures(String(repeating: "x", count: ModelPattern.maxNameLength + 1)) == nil)
    }

    /// Matching and captures against a reference written the plainest way (each star tries every
    /// length): every pattern over `a`, `b` and `*` up to five long, against every name over `a`
    /// and `b` up to six long. Where it matches, the captures put back into the pattern give the
    /// name again.
    @Test func matchingAndCapturesDecideAsTheReferenceDoes() {
        func reference(_ pattern: Substring, _ name: Substring) -> Bool {
            guard let first = pattern.first else { return name.isEmpty }
            if first == "*" { return (0...name.count).contains { reference(pattern.dropFirst(), name.dropFirst($0)) } }
            return name.first == first && reference(pattern.dropFirst(), name.dropFirst())
        }
        func words(_ alphabet: [String], upTo length: Int) -> [String] {
            var all = [""]
            var last = [""]
            for _ in 0..<length {
                last = last.flatMap { word in alphabet.map { word + $0 } }
                all += last
            }
            return all
        }
        let names = words(["a", "b"], upTo: 6)
        var disagreements: [String] = []
        for text in words(["a", "b", "*"], upTo: 5) {
            let pattern = ModelPattern(text)
            for name in names {
                let expected = reference(text[...], name[...])
                let captures = pattern.captures(name)
                if ModelPattern.matches(text, name) != expected || (captures != nil) != expected {
                    disagreements.append("\(text) ~ \(name)")
                } else if let captures, captures.count != pattern.stars || ModelPattern.substitute(captures, into: text, name: "") != name {
                    disagreements.append("\(text) ~ \(name): \(captures)")
                }
            }
        }
        #expect(disagreements.isEmpty)
        #expect(ModelPattern.matches("bench-*", "bench-stream") && !ModelPattern.matches("bench-*", "bench"))
        #expect(ModelPattern.matches("modèle/*", "modèle/été") && !ModelPattern.matches("modèle/*", "model/x"))
        #expect(ModelPattern("modèle/*").captures("modèle/été") == ["été"])
        let long = String(repeating: "a", count: ModelPattern.maxNameLength + 1)
        #expect(!ModelPattern.matches("*", long) && ModelPattern.matches("*", String(long.dropFirst())))
    }

    @Test func moreSpecificPatternsComeFirst() {
        let sorted = ["*", "openai/*", "openai/gpt-4*"].map(ModelPattern.init).sorted(by: ModelPattern.moreSpecific).map(\.text)
        #expect(sorted == ["openai/gpt-4*", "openai/*", "*"])
    }

    @Test func keyModelListsTakePatterns() {
        #expect(ModelAccess.allows(["bedrock/us.*"], model: "bedrock/us.amazon.nova-micro-v1:0"))
        #expect(!ModelAccess.allows(["bedrock/*"], model: "bedrockzzzz/us.amazon.nova"))
        #expect(ModelAccess.allows(["*-mini"], model: "gpt-4o-mini") && !ModelAccess.allows(["*-mini"], model: "gpt-4o"))
        #expect(ModelAccess.allows(["openai/*"], model: "openai/gpt-4o") && !ModelAccess.allows(["openai/*"], model: "gpt-4o"))
    }
}
