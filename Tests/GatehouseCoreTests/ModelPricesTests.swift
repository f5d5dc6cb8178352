import Foundation
import GatehouseCore
import Testing

@Suite("Model prices")
struct ModelPricesTests {
    @Test func builtInPricesMatchModelNamesAndVersions() throws {
        let mini = try #require(ModelPrices.price(forModel: "gpt-4o-mini-2024-07-18"))
        #expect(mini.input == Decimal(string: "0.00000015")! && mini.output == Decimal(string: "0.0000006")!)
        #expect(ModelPrices.price(forModel: "gpt-4o-2024-08-06") == ModelPrices.price(forModel: "gpt-4o"))
        #expect(ModelPrices.price(forModel: "claude-3-5-sonnet-20241022")?.output == Decimal(string: "0.000015")!)
        #expect(ModelPrices.price(forModel: "gpt-4omni") == nil && ModelPrices.price(forModel: "my-finetune") == nil)
    }

    @Test func costsAreExactDecimals() {
        var deployment = Deployment(id: "d", modelName: "m", provider: .openai, upstreamModel: "gpt-4o")
        deployment.inputCostPerToken = 0.0000025
        deployment.outputCostPerToken = 0.00001
        let price = ModelPrices.price(for: deployment)!
        let one = price.cost(of: Usage(promptTokens: 1000, completionTokens: 500))
        #expect(one == Decimal(string: "0.0075")!)
        // A thousand requests add up to exactly a thousand times one: no binary rounding.
        let total = (0..<1000).reduce(Decimal(0)) { sum, _ in sum + one }
        #expect(total == Decimal(string: "7.5")!)
        // One configured price alone counts the other as free, not as the list price.
        deployment.outputCostPerToken = nil
        #expect(ModelPrices.price(for: deployment)?.output == 0)
    }

    @Test func integerCostsMatchTheDecimalOnes() throws {
        for (model, prompt, completion) in [("gpt-4o-mini", 1234, 567), ("claude-3-haiku", 1, 1), ("o1", 200_000, 100_000), ("gpt-4.1-nano", 0, 7)] {
            let price = try #require(ModelPrices.price(forModel: model))
            let usage = Usage(promptTokens: prompt, completionTokens: completion)
            #expect(price.usd(of: usage) == USD(price.cost(of: usage)))
        }
        // A price finer than 10⁻¹⁰ a token is kept: 10 tokens at 1.5 × 10⁻¹¹ are 1.5 units, rounded to 2.
        let fine = TokenPrice(input: Decimal(string: "0.000000000015")!, output: 0)
        #expect(fine.usd(of: Usage(promptTokens: 10, completionTokens: 0)).units == 2)
    }
}
