import GatehouseCore
import GatehouseStore
import Logging
import ServiceLifecycle

/// What Gatehouse keeps of what happened: the audit trail (store and streams) and the access log.
struct RecordsPart {
    let auditStore: AuditStore
    let audit: Audit
    let accessLog: AccessLog?

    init(audit settings: AuditSettings, accessLog destination: String?, connection: StoreConnection, logger: Logger) throws {
        auditStore = AuditStore(source: connection.source)
        audit = Audit(
            store: auditStore, streams: try AuditStreams(destinations: settings.streams, logger: logger),
            interval: .milliseconds(Int64(saturating: settings.flushIntervalSeconds * 1000)), logger: logger)
        accessLog = try destination.map { AccessLog(sink: try LineSink($0)) }
    }

    var services: [any Service] {
        [audit.writer] + (accessLog.map { [$0] } ?? []) + (audit.streams.webhook.map { [$0] } ?? [])
    }
}
