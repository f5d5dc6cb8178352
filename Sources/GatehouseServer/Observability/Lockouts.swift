import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore

/// Blocks after repeated failed authentications, shared by every way to authenticate: per
/// address (any credential from it), and per credential at one address (an OAuth client's
/// secret, a user's password), so that guessing a secret from one address never locks its
/// owner out elsewhere. Failures are counted in memory, per instance; blocks are shared through
/// the store when instances share one (`shared`, kept in step by `LockoutSync`).
struct Lockouts: Sendable {
    let addresses: Lockout
    let credentials: Lockout
    /// The blocks of every instance on one PostgreSQL (nil: this instance alone).
    var shared: LockoutStore?
    /// Failures against one principal from anywhere: counted for alerts only, never checked.
    let principals: Lockout

    init(settings: LockoutSettings) {
        addresses = Lockout(
            threshold: settings.addressFailures, window: settings.windowSeconds, firstBlock: settings.firstBlockSeconds,
            longestBlock: settings.longestBlockSeconds)
        principals = Lockout(
            threshold: settings.addressFailures, window: settings.windowSeconds, firstBlock: settings.firstBlockSeconds,
            longestBlock: settings.longestBlockSeconds)
        credentials = Lockout(
            threshold: settings.failures, window: settings.windowSeconds, firstBlock: settings.firstBlockSeconds,
            longestBlock: settings.longestBlockSeconds)
    }

    static func address(_ address: String) -> String { "address:" + address }
    static func credential(_ credential: String, at address: String?) -> String { credential + "|" + (address ?? "?") }

    /// Every block in force, for `/lockout/list`.
    func blocks(at now: Date) -> [(subject: String, until: Date)] {
        (addresses.blocks(at: now) + credentials.blocks(at: now)).sorted { $0.until < $1.until }
    }

    func unblock(_ subject: String, at now: Date) -> Bool {
        (subject.hasPrefix("address:") ? addresses : credentials).unblock(subject, at: now)
    }

    /// The 429 a blocked request gets, with `Retry-After`.
    static func refusal(retryAfter: TimeInterval, _ message: String) -> GatewayError {
        GatewayError(
            status: 429, message: message, type: "rate_limit_error", code: "too_many_failed_authentications",
            headers: [("Retry-After", String(Int(saturating: retryAfter.rounded(.up))))])
    }
}
