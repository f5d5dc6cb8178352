import Foundation

/// What a model's tokens cost, in US dollars per token, as exact decimals (so that totals of many
/// requests are exact too).
public struct TokenPrice: Sendable, Equatable {
    public let input: Decimal
    public let output: Decimal
    /// The same prices in 10⁻¹⁶ dollars a token, for exact integer arithmetic on the request path
    /// (prices finer than that are rounded to it).
    let inputRate: Int128
    let outputRate: Int128

    public init(input: Decimal, output: Decimal) {
        self.input = input
        self.output = output
        inputRate = Self.rate(input)
        outputRate = Self.rate(output)
    }

    static func rate(_ price: Decimal) -> Int128 {
        var scaled = price * Decimal(sign: .plus, exponent: 16, significand: 1)
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        // A configured price beyond what 64 bits hold is held at the largest (never wraps).
        guard rounded < Decimal(Int64.max) else { return Int128(Int64.max) }
        return Int128(max(0, NSDecimalNumber(decimal: rounded).int64Value))
    }

    /// The cost of `usage`, to the nearest 10⁻¹⁰ dollar, without decimal arithmetic.
    public func usd(of usage: Usage) -> USD {
        let femto = Int128(usage.promptTokens) * inputRate + Int128(usage.completionTokens) * outputRate
        // 10⁻¹⁶ → 10⁻¹⁰ dollars, rounding half up.
        // Bounded tokens times a bounded rate fit Int128; the dollars are held at USD's end.
        return USD(units: Int64(clamping: (femto + 500_000) / 1_000_000))
    }

    /// From prices per million tokens, as published.
    init(perMillionInput input: String, output: String) {
        self.init(input: Decimal(string: input)! / 1_000_000, output: Decimal(string: output)! / 1_000_000)
    }

    public func cost(of usage: Usage) -> Decimal {
        Decimal(usage.promptTokens) * input + Decimal(usage.completionTokens) * output
    }
}

/// Built-in list prices of common OpenAI and Anthropic models; a deployment's
/// `input_cost_per_token` / `output_cost_per_token` override them.
public enum ModelPrices {
    static let builtIn: [(model: String, price: TokenPrice)] = [
        ("gpt-4o", .init(perMillionInput: "2.50", output: "10")),
        ("gpt-4o-mini", .init(perMillionInput: "0.15", output: "0.60")),
        ("gpt-4.1", .init(perMillionInput: "2", output: "8")),
        ("gpt-4.1-mini", .init(perMillionInput: "0.40", output: "1.60")),
        ("gpt-4.1-nano", .init(perMillionInput: "0.10", output: "0.40")),
        ("gpt-4-turbo", .init(perMillionInput: "10", output: "30")),
        ("gpt-3.5-turbo", .init(perMillionInput: "0.50", output: "1.50")),
        ("o1", .init(perMillionInput: "15", output: "60")),
        ("o3-mini", .init(perMillionInput: "1.10", output: "4.40")),
        ("o4-mini", .init(perMillionInput: "1.10", output: "4.40")),
        ("text-embedding-3-small", .init(perMillionInput: "0.02", output: "0")),
        ("text-embedding-3-large", .init(perMillionInput: "0.13", output: "0")),
        ("claude-3-5-sonnet", .init(perMillionInput: "3", output: "15")),
        ("claude-3-7-sonnet", .init(perMillionInput: "3", output: "15")),
        ("claude-sonnet-4", .init(perMillionInput: "3", output: "15")),
        ("claude-3-5-haiku", .init(perMillionInput: "0.80", output: "4")),
        ("claude-3-haiku", .init(perMillionInput: "0.25", output: "1.25")),
        ("claude-3-opus", .init(perMillionInput: "15", output: "75")),
        ("claude-opus-4", .init(perMillionInput: "15", output: "75")),
    ]

    /// Model ids the OpenAI and Anthropic APIs answer to, all priced above: what `/v1/models` lists
    /// for a pattern such as `openai/*` or `anthropic/*` (LiteLLM lists its own catalogue there).
    public static let catalogue: [Deployment.Provider: [String]] = [
        .openai: [
            "gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-4-turbo", "gpt-3.5-turbo", "o1", "o3-mini", "o4-mini",
            "text-embedding-3-small", "text-embedding-3-large",
        ],
        .anthropic: [
            "claude-opus-4-0", "claude-sonnet-4-0", "claude-3-7-sonnet-latest", "claude-3-5-sonnet-latest", "claude-3-5-haiku-latest",
            "claude-3-opus-latest", "claude-3-haiku-20240307",
        ],
    ]

    /// The deployment's own prices if it sets either, else the built-in price of its
    /// `base_model` (without a provider prefix: `azure/gpt-4o` is `gpt-4o`) or of its upstream
    /// model (exact name, or the name followed by a version: `gpt-4o-2024-08-06`), else nil.
    /// An image deployment's `output_cost_per_image` prices each image (its requests count images
    /// as completion units) and nothing else; an audio deployment's `input_cost_per_second` or
    /// `input_cost_per_character` prices its seconds or characters (counted as prompt units).
    public static func price(for deployment: Deployment) -> TokenPrice? {
        if let perImage = deployment.outputCostPerImage { return TokenPrice(input: 0, output: exact(perImage)) }
        // Audio deployments count seconds or characters as their "prompt" units.
        if let perUnit = deployment.inputCostPerSecond ?? deployment.inputCostPerCharacter { return TokenPrice(input: exact(perUnit), output: 0) }
        if deployment.inputCostPerToken != nil || deployment.outputCostPerToken != nil {
            return TokenPrice(input: exact(deployment.inputCostPerToken ?? 0), output: exact(deployment.outputCostPerToken ?? 0))
        }
        if let base = deployment.baseModel { return price(forModel: String(base.split(separator: "/").last ?? Substring(base))) }
        return price(forModel: deployment.upstreamModel)
    }

    public static func price(forModel name: String) -> TokenPrice? {
        let model = name.lowercased()
        return builtIn.filter { model == $0.model || model.hasPrefix($0.model + "-") }.max { $0.model.count < $1.model.count }?.price
    }

    /// A configured price as the decimal its shortest printed form says (0.0000025, not the
    /// binary fraction nearest to it).
    static func exact(_ value: Double) -> Decimal {
        Decimal(string: "\(value)") ?? Decimal(value)
    }
}

extension ModelPrices {
    /// The public model names with a deployment that has no price, sorted; the built-in mock
    /// (free by design) is not counted.
    public static func unpriced(_ deployments: [Deployment]) -> [String] {
        Set(deployments.filter { $0.provider != .mock && price(for: $0) == nil }.map(\.modelName)).sorted()
    }

    /// The highest input and the highest output price among deployments a request may reach
    /// (a model's own and its fallbacks'): what its worst case is priced at. Nil when none is
    /// priced.
    public static func worstCase(of deployments: [Deployment]) -> TokenPrice? {
        let prices = deployments.compactMap(price(for:))
        guard let first = prices.first else { return nil }
        return prices.dropFirst().reduce(first) { TokenPrice(input: max($0.input, $1.input), output: max($0.output, $1.output)) }
    }
}
