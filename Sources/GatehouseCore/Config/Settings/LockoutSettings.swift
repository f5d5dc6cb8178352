/// Lockout after repeated failed authentications: per credential at one address (an OAuth
/// client's secret, a username's password), per address (any credential), within a window;
/// blocks grow from `firstBlockSeconds` (doubling) to `longestBlockSeconds`.
public struct LockoutSettings: Sendable, Equatable {
    public var failures = 5
    public var addressFailures = 20
    public var windowSeconds = 300.0
    public var firstBlockSeconds = 60.0
    public var longestBlockSeconds = 3600.0

    public init() {}
}

extension LockoutSettings {
    static var section: SettingsSection {
        SettingsSection(
            title: "Lockout", summary: "Blocks after repeated failed authentications ([lockout.md](lockout.md)).",
            keys: [
                .int(
                    "lockout_address_failures", \.lockout.addressFailures, in: 1...1_000_000,
                    meaning: "Failed authentications (any method) from one address within `lockout_window_seconds` that block the "
                        + "address: its requests get 429 with `Retry-After` before any credential is looked at ([lockout.md](lockout.md)).",
                    example: "50"),
                .int(
                    "lockout_failures", \.lockout.failures, in: 1...10_000,
                    meaning: "Failed authentications of one credential (an OAuth client's secret, a username's password) from one "
                        + "address that block that pair.",
                    example: "10"),
                .number(
                    "lockout_window_seconds", \.lockout.windowSeconds, minimum: 1, meaning: "The window failures are counted in.",
                    example: "600"),
                .number(
                    "lockout_seconds", \.lockout.firstBlockSeconds, minimum: 1,
                    meaning: "The first block's length, doubled for each further block up to `lockout_max_seconds`.", example: "30"),
                .number(
                    "lockout_max_seconds", \.lockout.longestBlockSeconds, minimum: 1, meaning: "The longest a block lasts.", example: "86400"),
            ])
    }
}
