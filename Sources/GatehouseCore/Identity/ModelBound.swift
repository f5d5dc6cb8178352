/// The model list of a level above a credential (its user or team, its organization, or what a
/// token source adds): a model must be admitted by each, and a refusal names the level.
public struct ModelBound: Sendable, Equatable {
    public var level: LimitLevel
    /// Model names, wildcards or access groups; never empty (an empty list bounds nothing).
    public var models: [String]

    public init(_ level: LimitLevel, _ models: [String]) {
        self.level = level
        self.models = models
    }
}
