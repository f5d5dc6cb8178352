import Foundation
import GatehouseCore
import GatehouseProviders
import GatehouseStore
public import Hummingbird

/// LiteLLM's `/model/new`, `/model/update` (and `PATCH /model/{id}/update`) and `/model/delete`:
/// models kept in the database beside the configuration file's, read by the same parser, their
/// secrets (`api_key`, `extra_headers`) sealed and never shown, reaching every instance through
/// the change feed. Proxy admins only; the file's models are changed in the file.
struct ModelManagementRoutes: Sendable {
    let management: Management
    let registry: ModelRegistry

    func register(on router: some RouterMethods<AuthenticatedContext>) {
        router.changing("/model/new", .post, trail: management.trail) { call, _ in try await self.new(call) }
        router.changing("/model/update", .post, trail: management.trail) { call, _ in try await self.update(call, id: nil) }
        router.changing("/model/{model_id}/update", .patch, trail: management.trail) { call, context in
            try await self.update(call, id: context.parameters.get("model_id"))
        }
        router.changing("/model/delete", .post, trail: management.trail) { call, _ in try await self.delete(call) }
    }

    func new(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("add models")
        let body = call.body.body
        guard case .object? = body["litellm_params"] else {
            throw GatewayError.badRequest("`litellm_params` (with `model`) is required.", param: "litellm_params")
        }
        let id = body["model_info"]?["id"]?.stringValue ?? UUID().uuidString.lowercased()
        guard !id.isEmpty, id.utf8.count <= 256 else { throw GatewayError.badRequest("`model_info.id` must be 1 to 256 bytes.", param: "model_info") }
        let taken = try await registry.store.model(id: id) != nil
        if taken || registry.isConfigured(id) {
            throw GatewayError.badRequest("A model with id \(id) already exists.", param: "model_info")
        }
        var entry: JSONValue = [
            "model_name": body["model_name"] ?? .null, "litellm_params": body["litellm_params"]!, "model_info": body["model_info"] ?? [:],
        ]
        entry["model_info"]?["id"] = .string(id)
        let teamID = body["model_info"]?["team_id"]?.stringValue
        let publicName = body["model_name"]?.stringValue
        if let teamID, let publicName {
            // A team's model has a name of its own, which the team reaches by the name it gave.
            entry["model_name"] = .string(Self.teamModelName(publicName, team: teamID))
            entry["model_info"]?["team_public_model_name"] = .string(publicName)
        }
        let model = try await stored(entry, id: id, createdAt: Date(), by: call.principal)
        var teamChange: RecordChange?
        if let teamID, let publicName {
            teamChange = try await route(try await management.team(teamID), publicName, to: model.modelName)
        }
        try await registry.store.insert(model)
        let change = RecordChange(.model(id), before: nil, after: Self.audited(model))
        return Changed(try await applied(model, for: call.principal), [change] + [teamChange].compactMap { $0 })
    }

    /// The name a team's model is served under: unique to the team, so it never joins another
    /// team's (or the configuration's) deployments of the same public name.
    static func teamModelName(_ name: String, team: String) -> String { "team/\(team)/\(name)" }

    /// Points the team's alias `name` at its model `served` (and adds it to the team's models
    /// when the team has a list), or, with `served` nil, removes both.
    func route(_ team: Team, _ name: String, to served: String?) async throws -> RecordChange? {
        var changed = team
        let target = served ?? changed.modelAliases[name]
        changed.modelAliases[name] = served
        if let served, !changed.models.isEmpty, !changed.models.contains(served) { changed.models.append(served) }
        if served == nil, let target { changed.models.removeAll { $0 == target } }
        guard changed != team else { return nil }
        changed.updatedAt = Date()
        try await management.directory.update(changed)
        return try await management.changed(changed, was: team)
    }

    /// Changes a stored model: `model_name`, and the fields of `litellm_params` and `model_info`
    /// given (null removes one); secrets given replace the sealed ones.
    func update(_ call: ManagementCall, id pathID: String?) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("change models")
        let body = call.body.body
        guard let id = pathID ?? body["id"]?.stringValue ?? body["model_id"]?.stringValue ?? body["model_info"]?["id"]?.stringValue else {
            throw GatewayError.badRequest("`id` (the model's `model_info.id`) is required.", param: "id")
        }
        let old = try await existing(id)
        var entry = try registry.entryWithSecrets(old)
        if old.teamID != nil, body["model_name"] != nil || body["model_info"]?["team_id"] != nil {
            throw GatewayError.badRequest("A team's model keeps its name and team; delete it and add it again.", param: "model_name")
        }
        if let name = body["model_name"], name != .null { entry["model_name"] = name }
        for part in ["litellm_params", "model_info"] {
            guard let fields = body[part] else { continue }
            guard case .object(let changes) = fields else { throw GatewayError.badRequest("`\(part)` must be an object.", param: part) }
            var merged = entry[part]?.objectValue ?? [:]
            for (name, value) in changes { merged[name] = value == .null ? nil : value }
            entry[part] = .object(merged)
        }
        entry["model_info"]?["id"] = .string(id)
        var model = try await stored(entry, id: id, createdAt: old.createdAt, by: call.principal)
        model.createdBy = old.createdBy
        try await registry.store.update(model)
        return Changed(try await applied(model, for: call.principal), RecordChange(.model(id), before: Self.audited(old), after: Self.audited(model)))
    }

    func delete(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("delete models")
        let id = try call.body.required("id")
        let old = try await existing(id)
        try await registry.store.delete(ids: [id])
        await registry.reload()
        try await management.feed.publish(.model(id))
        var changes = [RecordChange(.model(id), before: Self.audited(old), after: nil)]
        // The team's last deployment of the name: the team's alias for it goes too.
        if let teamID = old.teamID, let name = old.entry["model_info"]?["team_public_model_name"]?.stringValue,
            !registry.router.hasModel(old.modelName), let team = try await management.directory.team(id: teamID),
            let change = try await route(team, name, to: nil)
        {
            changes.append(change)
        }
        return Changed(["message": .string("Model: \(id) deleted successfully")], changes)
    }

    /// A stored model the API may change (the file's are changed in the file).
    func existing(_ id: String) async throws -> StoredModel {
        if registry.isConfigured(id) {
            throw GatewayError.badRequest("Model \(id) is defined in the configuration file; change it there.", param: "id")
        }
        guard let model = try await registry.store.model(id: id) else {
            throw GatewayError.managementNotFound("Model with id=\(id) not found.", param: "id")
        }
        return model
    }

    /// The entry checked as the file's would be, its secrets split off and sealed.
    func stored(_ entry: JSONValue, id: String, createdAt: Date, by principal: Principal) async throws -> StoredModel {
        let deployment = try ModelEntry.deployment(entry)
        if let teamID = entry["model_info"]?["team_id"]?.stringValue { _ = try await management.team(teamID) }
        var kept = entry
        var secrets: [String: JSONValue] = [:]
        for name in ModelEntry.secretParams {
            if let value = entry["litellm_params"]?[name] { secrets[name] = value }
            kept["litellm_params"]?[name] = nil
        }
        var model = StoredModel(id: id, modelName: deployment.modelName, entry: kept, createdAt: createdAt)
        model.sealedSecrets = secrets.isEmpty ? nil : registry.seal.seal(JSONCoding.encodeString(.object(secrets)))
        model.teamID = entry["model_info"]?["team_id"]?.stringValue
        model.createdBy = principal.userID ?? principal.id
        model.updatedAt = Date()
        return model
    }

    /// Puts the stored models in place here, tells the other instances, and answers with the
    /// model as `/model/info` shows it.
    func applied(_ model: StoredModel, for principal: Principal) async throws -> JSONValue {
        await registry.reload()
        try await management.feed.publish(.model(model.id))
        guard let deployment = registry.router.allDeployments.first(where: { $0.id == model.id }) else {
            throw GatewayError.unavailable("The model was stored but does not load; see the log.")
        }
        var answer = ModelInfoRoutes(router: registry.router).entry(deployment, for: principal)
        answer["model_id"] = .string(model.id)
        return answer
    }

    /// A model in the audit trail: its entry, never its secrets (only whether it has any).
    static func audited(_ model: StoredModel) -> JSONValue {
        var entry = model.entry
        entry["sealed_secrets"] = .bool(model.sealedSecrets != nil)
        return entry
    }
}
