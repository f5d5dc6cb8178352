public import Foundation
public import GatehouseCore
import SQLKit

/// A model added through the API (`/model/new`): its `model_list` entry without its secrets,
/// which are kept sealed beside it.
public struct StoredModel: Sendable, Equatable {
    public var id: String
    public var modelName: String
    /// `model_name`, `litellm_params` (without `api_key` and `extra_headers`) and `model_info`.
    public var entry: JSONValue
    /// The entry's secrets as a JSON object, sealed (`SecretSeal`); nil when it has none.
    public var sealedSecrets: String?
    /// The team that owns it (`model_info.team_id`): only the team's credentials reach it.
    public var teamID: String?
    public var createdBy: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, modelName: String, entry: JSONValue, createdAt: Date = Date()) {
        self.id = id
        self.modelName = modelName
        self.entry = entry
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }
}

extension StoredModel: StoredRecord {
    static let table = ModelStore.table
    static let recordColumns: [RecordColumn<Self>] = [
        RecordColumn("id") { SQLBind($0.id) },
        RecordColumn("model_name") { SQLBind($0.modelName) },
        RecordColumn("entry") { Column.json($0.entry) },
        RecordColumn("sealed_secrets") { SQLBind($0.sealedSecrets) },
        RecordColumn("team_id") { SQLBind($0.teamID) },
        RecordColumn("created_by") { SQLBind($0.createdBy) },
        RecordColumn("created_at_ms") { SQLBind(Column.milliseconds($0.createdAt)) },
        RecordColumn("updated_at_ms") { SQLBind(Column.milliseconds($0.updatedAt)) },
    ]

    init(row: any SQLRow) throws {
        self.init(
            id: try row.decode(column: "id", as: String.self), modelName: try row.decode(column: "model_name", as: String.self),
            entry: try Column.object(row, "entry"), createdAt: try Column.date(row, "created_at_ms"))
        sealedSecrets = try row.decode(column: "sealed_secrets", as: String?.self)
        teamID = try row.decode(column: "team_id", as: String?.self)
        createdBy = try row.decode(column: "created_by", as: String?.self)
        updatedAt = try Column.date(row, "updated_at_ms")
    }
}

/// Models added through the API, on every instance's database.
public struct ModelStore: Sendable {
    let models: RecordTable<StoredModel>
    static let table = "gatehouse_models"

    public init(source: any SQLConnectionSource) {
        models = RecordTable(source: source)
    }

    public func insert(_ model: StoredModel) async throws { try await models.insert(model) }
    public func update(_ model: StoredModel) async throws { try await models.update(model) }
    public func model(id: String) async throws -> StoredModel? { try await models.record(id: id) }
    public func all() async throws -> [StoredModel] { try await models.all() }
    @discardableResult
    public func delete(ids: [String]) async throws -> Int { try await models.delete(ids: ids) }
}
