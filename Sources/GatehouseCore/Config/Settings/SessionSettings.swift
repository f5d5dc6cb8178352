/// Session login (`/login`): how long a session lasts, its cookie, and the password hashes.
public struct SessionSettings: Sendable, Equatable {
    /// A session ends `lifetimeSeconds` after it began, or after `idleSeconds` without a
    /// request, whichever comes first.
    public var lifetimeSeconds = 28_800.0
    public var idleSeconds = 1_800.0
    /// Whether the session cookie is `Secure` and `__Host-` prefixed; nil: when the listener
    /// serves HTTPS (set it true behind a proxy that terminates TLS).
    public var cookieSecure: Bool?
    /// bcrypt's cost (log2 of its rounds) for passwords set from now on.
    public var passwordHashCost = 12

    public init() {}
}

extension SessionSettings {
    static var section: SettingsSection {
        SettingsSection(
            title: "Sessions", summary: "Sign-in with a password at `/login` ([sessions.md](sessions.md)).",
            keys: [
                .number(
                    "session_lifetime_seconds", \.sessions.lifetimeSeconds, minimum: 60,
                    meaning: "The longest a session from `/login` lasts, however active ([sessions.md](sessions.md)). At least 60.",
                    example: "43200"),
                .number(
                    "session_idle_seconds", \.sessions.idleSeconds, minimum: 60,
                    meaning: "A session ends after this long without a request. At least 60.", example: "900"),
                .value(
                    "session_cookie_secure", \.sessions.cookieSecure,
                    meaning: "Whether the session cookie is `__Host-gatehouse_session` with `Secure`; by default, when the listener "
                        + "serves HTTPS. Set `true` behind a proxy that terminates TLS.",
                    default: "HTTPS listener: `true`; plain HTTP: `false`", example: "true"
                ) { node, path, reader in
                    try reader.bool(node, at: path)
                },
                .int(
                    "password_hash_cost", \.sessions.passwordHashCost, in: 4...16,
                    meaning: "bcrypt's cost (log2 of its rounds, 4–16) for passwords set from now on; existing hashes keep theirs.",
                    example: "13"),
            ])
    }
}
