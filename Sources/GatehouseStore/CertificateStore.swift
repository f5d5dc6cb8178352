public import GatehouseCore

/// Client certificate identities bound to keys, users and teams.
public struct CertificateStore: Sendable {
    let table: RecordTable<CertificateBinding>

    public init(source: any SQLConnectionSource) {
        table = RecordTable(source: source)
    }

    public func insert(_ binding: CertificateBinding) async throws { try await table.insert(binding) }
    public func update(_ binding: CertificateBinding) async throws { try await table.update(binding) }
    public func binding(id: String) async throws -> CertificateBinding? { try await table.record(id: id) }
    public func bindings(limit: Int? = nil, offset: Int = 0) async throws -> [CertificateBinding] {
        try await table.fetch(limit: limit, offset: offset)
    }
    /// - Returns: how many of them existed.
    public func delete(ids: [String]) async throws -> Int { try await table.delete(ids: ids) }
    func all() async throws -> [CertificateBinding] { try await table.all() }
}
