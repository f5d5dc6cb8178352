import Foundation
import GatehouseCore
import Testing

@Suite("Numbers from outside")
struct SaturatingTests {
    /// `Int(1e300)` traps and stops the process; every conversion of an outside number saturates.
    @Test func conversionsHoldAtTheEndsInsteadOfTrapping() {
        #expect(Int(saturating: 1e300) == .max && Int(saturating: -1e300) == .min)
        #expect(Int64(saturating: .infinity) == .max && Int64(saturating: -.infinity) == .min && Int64(saturating: .nan) == 0)
        #expect(Int64(saturating: 9_223_372_036_854_775_807.0) == .max)
        #expect(Int(saturating: 42.9) == 42 && Int(saturating: -42.9) == -42)
        #expect(UInt8(saturating: 300) == 255 && UInt8(saturating: -1) == 0)
    }

    @Test func durationsAndUsageAreBounded() {
        #expect(DurationText.seconds("9999999999999d") == nil && DurationText.seconds("36500d") == 36_500 * 86_400)
        #expect(Usage(openAI: ["prompt_tokens": 1e300, "completion_tokens": -5]) == Usage(promptTokens: InputBounds.tokens, completionTokens: 0))
        #expect(TokenPrice(input: 1, output: 1).usd(of: Usage(promptTokens: .max, completionTokens: .max)) == USD(units: .max))
    }
}
