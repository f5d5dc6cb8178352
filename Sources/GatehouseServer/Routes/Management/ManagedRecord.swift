import GatehouseCore
import GatehouseStore

/// A record the management API changes — keys, users, teams, organizations, OAuth clients and
/// certificate bindings alike: how it is named in the audit trail, shown in answers (and so in an
/// audit record's before → after), kept in this instance's cache and announced to the others.
protocol ManagedRecord: Sendable {
    var ref: ObjectRef { get }
    /// The change other instances are told of.
    var identityChange: IdentityChange { get }
    /// As the management API shows it (never a secret).
    var managementJSON: JSONValue { get }
    func put(in cache: IdentityCache)
}

extension VirtualKey: ManagedRecord {
    var ref: ObjectRef { .key(id) }
    var identityChange: IdentityChange { .key(id) }
    var managementJSON: JSONValue { ManagementJSON.key(self) }
    func put(in cache: IdentityCache) { cache.put(self) }
}

extension User: ManagedRecord {
    var ref: ObjectRef { .user(id) }
    var identityChange: IdentityChange { .user(id) }
    var managementJSON: JSONValue { ManagementJSON.user(self) }
    func put(in cache: IdentityCache) { cache.put(self) }
}

extension Team: ManagedRecord {
    var ref: ObjectRef { .team(id) }
    var identityChange: IdentityChange { .team(id) }
    var managementJSON: JSONValue { ManagementJSON.team(self) }
    func put(in cache: IdentityCache) { cache.put(self) }
}

extension Organization: ManagedRecord {
    var ref: ObjectRef { .organization(id) }
    var identityChange: IdentityChange { .organization(id) }
    var managementJSON: JSONValue { ManagementJSON.organization(self) }
    func put(in cache: IdentityCache) { cache.put(self) }
}

extension EndUser: ManagedRecord {
    var ref: ObjectRef { .endUser(id) }
    var identityChange: IdentityChange { .endUser(id) }
    /// Without its budget's limits (the budget is a record of its own).
    var managementJSON: JSONValue { ManagementJSON.endUser(self, budget: nil) }
    func put(in cache: IdentityCache) { cache.put(self) }
}

extension Budget: ManagedRecord {
    var ref: ObjectRef { .budget(id) }
    var identityChange: IdentityChange { .budget(id) }
    var managementJSON: JSONValue { ManagementJSON.budget(self) }
    func put(in cache: IdentityCache) { cache.put(self) }
}

extension OAuthClient: ManagedRecord {
    var ref: ObjectRef { .client(id) }
    var identityChange: IdentityChange { .oauthClient(id) }
    var managementJSON: JSONValue { ManagementJSON.oauthClient(self) }
    func put(in cache: IdentityCache) { cache.put(self) }
}

extension CertificateBinding: ManagedRecord {
    var ref: ObjectRef { .certificate(id) }
    var identityChange: IdentityChange { .certificate(id) }
    var managementJSON: JSONValue { CertificateRoutes.json(self) }
    func put(in cache: IdentityCache) { cache.put(self) }
}

/// One object a management request changed, as its audit record shows it: created (nothing
/// before), deleted (nothing after), or the fields that differ — secrets masked.
struct RecordChange: Sendable {
    let object: String
    let audited: JSONValue

    init(_ object: ObjectRef, before: JSONValue?, after: JSONValue?) {
        self.init(object.description, before: before, after: after)
    }

    /// For what is not a directory object (a lockout block, a signing key).
    init(_ object: String, before: JSONValue?, after: JSONValue?) {
        self.object = object
        var change: JSONValue = ["object": .string(object)]
        switch (before, after) {
        case (.object(let old)?, .object(let new)?):
            let fields = Set(old.keys).union(new.keys).filter { old[$0] != new[$0] && $0 != "updated_at" }
            change["before"] = .object(Dictionary(uniqueKeysWithValues: fields.map { ($0, old[$0] ?? .null) }))
            change["after"] = .object(Dictionary(uniqueKeysWithValues: fields.map { ($0, new[$0] ?? .null) }))
        case (nil, let new?): change["created"] = new
        case (let old?, nil): change["deleted"] = old
        default: change["deleted"] = true
        }
        audited = SecretMask.mask(change)
    }

    /// `record` as it is now against what it was (nil: it is new).
    init<Record: ManagedRecord>(_ record: Record, was old: Record?) {
        self.init(record.ref, before: old?.managementJSON, after: record.managementJSON)
    }
}

/// What a changing management route answers, and every object it changed: the route's audit
/// record is made from it, so a handler cannot change something without saying so.
struct Changed: Sendable {
    var answer: JSONValue
    var changes: [RecordChange]

    init(_ answer: JSONValue, _ changes: [RecordChange]) {
        self.answer = answer
        self.changes = changes
    }

    init(_ answer: JSONValue, _ change: RecordChange) {
        self.init(answer, [change])
    }
}

/// A changing management call as the operations see it, whoever made it (the API today, the
/// console tomorrow): who asks, and what they ask for — no HTTP.
struct ManagementCall: Sendable {
    let principal: Principal
    let body: ManagementBody
}
