import Foundation
import GatehouseCore
import Testing

@Suite("Audit hash chain")
struct AuditChainTests {
    let records = AuditChain.link(
        (0..<6).map { AuditEvent(time: Date(timeIntervalSince1970: Double($0)), action: "key.update", actor: "master", outcome: .success) },
        after: 0, hash: AuditChain.genesis)

    func verify(_ records: [AuditRecord], head: AuditRecord? = nil) -> AuditChain.Finding {
        var verifier = AuditChain.Verifier()
        _ = verifier.check(records)
        let head = head ?? self.records.last!
        return verifier.finish(headSequence: head.sequence, headHash: head.hash)
    }

    @Test func anIntactChainVerifiesAndLinksAcrossBatches() {
        #expect(verify(records) == .intact(records: 6))
        let more = AuditChain.link([AuditEvent(action: "auth.failure", actor: "anonymous", outcome: .failure)], after: 6, hash: records[5].hash)
        #expect(more[0].sequence == 7 && more[0].previousHash == records[5].hash)
        #expect(verify(records + more, head: more[0]) == .intact(records: 7))
    }

    @Test func everyFieldIsCoveredByTheHash() {
        let edits: [(inout AuditRecord) -> Void] = [
            { $0.timeMs += 1 }, { $0.action = "key.delete" }, { $0.actor = "user:x" }, { $0.object = "key:1" }, { $0.outcome = "failure" },
            { $0.address = "10.0.0.1" }, { $0.details = #"{"a":1}"# }, { $0.sequence += 100 },
        ]
        for edit in edits {
            var altered = records
            edit(&altered[2])
            #expect(verify(altered) == .altered(sequence: altered[2].sequence))
        }
        // Fields run into each other differently but read the same when joined: still different.
        var a = records[0]
        var b = records[0]
        (a.action, a.actor) = ("ab", "c")
        (b.action, b.actor) = ("a", "bc")
        #expect(AuditChain.hash(of: a) != AuditChain.hash(of: b))
    }

    @Test func removedReorderedAndCutOffRecordsAreNamed() {
        #expect(verify(Array(records[0..<2] + records[3...])) == .missing(before: 4))
        #expect(verify([records[0], records[2], records[1]] + records[3...]) == .missing(before: 3))
        #expect(verify(Array(records[1...])) == .missing(before: 2))
        #expect(verify(Array(records[..<4])) == .truncated(lastSequence: 4, headSequence: 6))
        // A record rebuilt with a valid hash of its own no longer follows its predecessor.
        var forged = records
        forged[3].previousHash = AuditChain.genesis
        forged[3].hash = AuditChain.hash(of: forged[3])
        #expect(verify(forged) == .brokenLink(sequence: 4))
    }
}
