import Foundation

/// A customer of the gateway's users (LiteLLM's end user): the `user` a request names. Registered
/// end users are global, as in LiteLLM: any credential that names one is held to its limits,
/// models and region, and its spend adds up across them.
public struct EndUser: Sendable, Equatable {
    public var id: String
    public var alias: String?
    /// Requests naming a blocked end user are refused.
    public var blocked = false
    /// The shared budget whose limits apply (LiteLLM makes one when limits are given inline).
    public var budgetID: String?
    /// Only deployments with this `region_name` serve the end user (`eu`, `us`).
    public var allowedModelRegion: String?
    /// The model requests go to when the asked one has no deployment in the allowed region.
    public var defaultModel: String?
    /// The models the end user may be served; empty: any the credential may use.
    public var models: [String] = []
    public var metadata: JSONValue = [:]
    public var spend = 0.0
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, createdAt: Date = Date()) {
        self.id = id
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    /// Regions LiteLLM allows for `allowed_model_region`.
    public static let regions = ["eu", "us"]
}
