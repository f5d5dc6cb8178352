import Foundation

extension ManagementBody {
    /// Applies the updatable fields present in the body to `key`.
    public func apply(to key: inout VirtualKey, now: Date) throws {
        try string("key_alias").apply(to: &key.alias)
        if let models = try strings("models") { key.models = models }
        if let routes = try strings("allowed_routes") { key.allowedRoutes = routes }
        if let metadata = try metadata() { key.metadata = metadata }
        try string("user_id").apply(to: &key.userID)
        try string("team_id").apply(to: &key.teamID)
        try string("organization_id").apply(to: &key.organizationID)
        try apply(to: &key.limits)
        try string("budget_id").apply(to: &key.budgetID)
        if let blocked = try bool("blocked") { key.blocked = blocked }
        try string("duration").map { duration in
            guard let seconds = DurationText.seconds(duration) else {
                throw GatewayError.badRequest("`duration` must look like 30s, 1h, 1d, 7d or 1mo.", param: "duration")
            }
            return now.addingTimeInterval(seconds)
        }.apply(to: &key.expiresAt)
    }
}
