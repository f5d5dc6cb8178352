import Crypto
import Foundation

/// The audit trail's tamper evidence: each record's hash covers its own fields and the hash of the
/// record before, so altering, removing or reordering a stored record breaks every hash after it.
/// The store keeps the last sequence and hash apart (the head), so cutting records off the end
/// shows too.
public enum AuditChain {
    /// The `previousHash` of the first record.
    public static let genesis = String(repeating: "0", count: 64)

    /// Numbers and chains `events` after the record whose sequence and hash are given.
    public static func link(_ events: [AuditEvent], after sequence: Int64, hash: String) -> [AuditRecord] {
        var previous = (sequence: sequence, hash: hash)
        return events.map { event in
            var record = AuditRecord(
                sequence: previous.sequence + 1, timeMs: Int64(saturating: (event.time.timeIntervalSince1970 * 1000).rounded()), action: event.action,
                actor: event.actor, object: event.object, outcome: event.outcome.rawValue, address: event.address,
                details: JSONCoding.encodeString(event.details), previousHash: previous.hash, hash: "")
            record.hash = Self.hash(of: record)
            previous = (record.sequence, record.hash)
            return record
        }
    }

    /// SHA-256 (hex) over the record's fields, each length-prefixed so no two records read alike.
    public static func hash(of record: AuditRecord) -> String {
        var hasher = SHA256()
        for field in [
            String(record.sequence), String(record.timeMs), record.action, record.actor, record.object ?? "\u{0}", record.outcome,
            record.address ?? "\u{0}", record.details, record.previousHash,
        ] {
            let bytes = Array(field.utf8)
            hasher.update(data: Array(String(bytes.count).utf8) + [0x3A] + bytes)
        }
        return hasher.finalize().map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// What checking a trail found.
    public enum Finding: Sendable, Equatable, CustomStringConvertible {
        case intact(records: Int64)
        /// The record's fields do not give its hash: it was altered.
        case altered(sequence: Int64)
        /// Records are missing before this one (or it was moved here).
        case missing(before: Int64)
        /// The record does not follow the one stored before it: removed or reordered records.
        case brokenLink(sequence: Int64)
        /// The trail ends before the head says it does: records were cut off the end.
        case truncated(lastSequence: Int64, headSequence: Int64)

        public var description: String {
            switch self {
            case .intact(let records): "intact: \(records) records"
            case .altered(let sequence): "record \(sequence) was altered (its hash does not match its contents)"
            case .missing(let sequence): "records are missing before record \(sequence)"
            case .brokenLink(let sequence): "record \(sequence) does not follow the record stored before it (removed or reordered records)"
            case .truncated(let last, let head): "the trail ends at record \(last) but the head says \(head): records were cut off the end"
            }
        }
    }

    /// Checks records page by page, in sequence order; feed every page, then `finish`.
    public struct Verifier: Sendable {
        var previous = (sequence: Int64(0), hash: AuditChain.genesis)
        public private(set) var finding: Finding?

        public init() {}

        /// - Returns: false once something is found (no need to read further).
        public mutating func check(_ records: [AuditRecord]) -> Bool {
            for record in records where finding == nil {
                if AuditChain.hash(of: record) != record.hash {
                    finding = .altered(sequence: record.sequence)
                } else if record.sequence != previous.sequence + 1 {
                    finding = record.sequence > previous.sequence + 1 ? .missing(before: record.sequence) : .brokenLink(sequence: record.sequence)
                } else if record.previousHash != previous.hash {
                    finding = .brokenLink(sequence: record.sequence)
                }
                previous = (record.sequence, record.hash)
            }
            return finding == nil
        }

        /// The verdict, given the head the store keeps.
        public mutating func finish(headSequence: Int64, headHash: String) -> Finding {
            if let finding { return finding }
            if previous.sequence < headSequence { return .truncated(lastSequence: previous.sequence, headSequence: headSequence) }
            if previous.sequence > headSequence || previous.hash != headHash { return .brokenLink(sequence: previous.sequence) }
            return .intact(records: previous.sequence)
        }
    }
}
