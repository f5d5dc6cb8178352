import Foundation

/// Something worth a permanent record: an authentication failure, a lockout, a change made
/// through the management API, a token issued or revoked, a reload. Never carries a credential:
/// at most its id or display form (`sk-…abcd`).
public struct AuditEvent: Sendable, Equatable {
    public enum Outcome: String, Sendable, CaseIterable {
        case success
        /// Authentication failed.
        case failure
        /// Authenticated, but not allowed.
        case denied
    }

    public var time: Date
    /// What happened, dotted: `auth.failure`, `auth.lockout`, `key.update`, `token.issue`…
    public var action: String
    /// Who did it: a principal id, `anonymous`, or `system`.
    public var actor: String
    /// What it was done to, when there is one: an `ObjectRef` (`key:<id>`, `client:<id>`…), or
    /// what is no directory object (`config`, `tls:<file>`, a lockout subject).
    public var object: String?
    public var outcome: Outcome
    /// The client's address, when a client did it.
    public var address: String?
    /// The rest: method and reason of a failure, a change's before and after (secrets masked).
    public var details: JSONValue

    public init(
        time: Date = Date(), action: String, actor: String, object: String? = nil, outcome: Outcome, address: String? = nil,
        details: JSONValue = .object([:])
    ) {
        self.time = time
        self.action = action
        self.actor = actor
        self.object = object
        self.outcome = outcome
        self.address = address
        self.details = details
    }
}

/// An event as stored: numbered, and chained to the one before by a hash over both.
public struct AuditRecord: Sendable, Equatable {
    public var sequence: Int64
    /// Milliseconds since 1970 (what the hash covers).
    public var timeMs: Int64
    public var action: String
    public var actor: String
    public var object: String?
    public var outcome: String
    public var address: String?
    /// The details as the JSON text that was hashed.
    public var details: String
    public var previousHash: String
    public var hash: String

    public init(
        sequence: Int64, timeMs: Int64, action: String, actor: String, object: String?, outcome: String, address: String?, details: String,
        previousHash: String, hash: String
    ) {
        self.sequence = sequence
        self.timeMs = timeMs
        self.action = action
        self.actor = actor
        self.object = object
        self.outcome = outcome
        self.address = address
        self.details = details
        self.previousHash = previousHash
        self.hash = hash
    }

    /// The record as one JSON object (the `/audit` answer and the JSON-lines stream).
    public var json: JSONValue {
        let details = (try? JSONCoding.decode(Array(self.details.utf8))) ?? .string(self.details)
        return [
            "sequence": JSONValue(Int(sequence)),
            "time": .string(Date(timeIntervalSince1970: Double(timeMs) / 1000).formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))),
            "action": .string(action), "actor": .string(actor), "object": object.map(JSONValue.string) ?? .null, "outcome": .string(outcome),
            "address": address.map(JSONValue.string) ?? .null, "details": details, "previous_hash": .string(previousHash), "hash": .string(hash),
        ]
    }
}
