import Foundation

extension ManagementBody {
    /// Applies the updatable fields present in the body to `key`.
    public func apply(to key: inout VirtualKey, now: Date) throws {
        if let alias = try string("key_alias") { key.alias = alias }
        if let models = try strings("models") { key.models = models }
        if let routes = try strings("allowed_routes") { key.allowedRoutes = routes }
        if let metadata = try metadata() { key.metadata = metadata }
        if let user = try string("user_id") { key.userID = user }
        if let team = try string("team_id") { key.teamID = team }
        if let organization = try string("organization_id") { key.organizationID = organization }
        try apply(to: &key.limits)
        if let blocked = try bool("blocked") { key.blocked = blocked }
        if let duration = try string("duration") {
            if let duration {
                guard let seconds = DurationText.seconds(duration) else {
                    throw GatewayError.badRequest("`duration` must look like 30s, 1h, 1d, 7d or 1mo.", param: "duration")
                }
                key.expiresAt = now.addingTimeInterval(seconds)
            } else {
                key.expiresAt = nil
            }
        }
    }
}
