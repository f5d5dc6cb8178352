import Foundation
import Yams

/// Reads one `jwt_issuers` entry; refuses what would make verification unsafe (no audience, an
/// unknown or `none` algorithm, an HMAC secret shorter than its digest, no key source at all).
enum JWTIssuerParser {
    static let fields =
        [
            "name", "issuer", "audience", "algorithms", "keys", "jwks_url", "discovery_url", "jwks_refresh_seconds",
            "unknown_kid_cooldown_seconds", "jwks_max_age_seconds", "leeway_seconds", "max_lifetime_seconds", "required_type",
        ] + ClaimMapping.fields

    static func parse(_ node: Node, index: Int, reader: inout ConfigReader) throws -> JWTIssuerSettings {
        let p = "jwt_issuers[\(index)]"
        let f = try reader.fields(node, at: p, known: fields)
        let issuer = try reader.requiredString(f["issuer"], at: "\(p).issuer", parent: node)
        guard let audiences = try reader.stringOrList(f["audience"], at: "\(p).audience"), !audiences.isEmpty else {
            throw reader.error("\(p).audience", f["audience"] ?? node, "is required: tokens meant for another service must not be accepted")
        }
        guard let algorithms = try reader.stringList(f["algorithms"], at: "\(p).algorithms"), !algorithms.isEmpty else {
            throw reader.error("\(p).algorithms", f["algorithms"] ?? node, "is required (for example [RS256])")
        }
        for algorithm in algorithms where !JWTIssuerSettings.supportedAlgorithms.contains(algorithm) {
            throw reader.error(
                "\(p).algorithms", f["algorithms"],
                "`\(algorithm)` is not supported; use \(JWTIssuerSettings.supportedAlgorithms.joined(separator: ", "))")
        }
        var settings = JWTIssuerSettings(
            name: try reader.string(f["name"], at: "\(p).name") ?? issuer, issuer: issuer, audiences: audiences, algorithms: algorithms)
        settings.jwksURL = try url(f["jwks_url"], at: "\(p).jwks_url", reader: reader)
        settings.discoveryURL = try url(f["discovery_url"], at: "\(p).discovery_url", reader: reader)
        settings.keys = try keys(f["keys"], at: "\(p).keys", algorithms: algorithms, reader: reader)
        guard !settings.keys.isEmpty || settings.jwksURL != nil || settings.discoveryURL != nil else {
            throw reader.error(p, node, "needs `keys`, `jwks_url` or `discovery_url`")
        }
        settings.jwksRefreshSeconds = try reader.double(f["jwks_refresh_seconds"], at: "\(p).jwks_refresh_seconds", minimum: 1) ?? 300
        settings.unknownKidCooldownSeconds =
            try reader.double(f["unknown_kid_cooldown_seconds"], at: "\(p).unknown_kid_cooldown_seconds", minimum: 0) ?? 30
        settings.jwksMaxAgeSeconds = try reader.double(f["jwks_max_age_seconds"], at: "\(p).jwks_max_age_seconds", minimum: 1) ?? 86_400
        settings.leewaySeconds = try reader.double(f["leeway_seconds"], at: "\(p).leeway_seconds", minimum: 0) ?? 60
        settings.maxLifetimeSeconds = try reader.double(f["max_lifetime_seconds"], at: "\(p).max_lifetime_seconds", minimum: 1) ?? 86_400
        settings.requiredType = try reader.string(f["required_type"], at: "\(p).required_type")
        settings.mapping = try ClaimMapping.parse(f, at: p, reader: reader)
        return settings
    }

    static func url(_ node: Node?, at path: String, reader: ConfigReader) throws -> String? {
        guard let text = try reader.string(node, at: path) else { return nil }
        guard text.hasPrefix("https://") || text.hasPrefix("http://") else { throw reader.error(path, node, "must be an http(s) URL") }
        return text
    }

    static func keys(_ node: Node?, at path: String, algorithms: [String], reader: ConfigReader) throws -> [JWTIssuerSettings.InlineKey] {
        var reader = reader
        return try reader.sequence(node, at: path).enumerated().map { index, entry in
            let kp = "\(path)[\(index)]"
            let k = try reader.fields(entry, at: kp, known: ["kid", "secret", "pem", "pem_file", "jwk"])
            let kid = try reader.string(k["kid"], at: "\(kp).kid")
            let given = ["secret", "pem", "pem_file", "jwk"].filter { k[$0] != nil }
            guard given.count == 1 else { throw reader.error(kp, entry, "needs exactly one of `secret`, `pem`, `pem_file`, `jwk`") }
            switch given[0] {
            case "secret":
                let secret = try reader.requiredString(k["secret"], at: "\(kp).secret", parent: entry)
                for algorithm in algorithms {
                    guard let minimum = JWTIssuerSettings.minimumSecretBytes(for: algorithm) else { continue }
                    guard secret.utf8.count >= minimum else {
                        throw reader.error(
                            "\(kp).secret", k["secret"], "is \(secret.utf8.count) bytes; \(algorithm) needs a secret of at least \(minimum) bytes")
                    }
                }
                guard algorithms.contains(where: { $0.hasPrefix("HS") }) else {
                    throw reader.error("\(kp).secret", k["secret"], "is an HMAC secret but `algorithms` has no HS256/384/512")
                }
                return .init(kid: kid, material: .secret(secret), path: kp)
            case "pem":
                return .init(kid: kid, material: .pem(try reader.requiredString(k["pem"], at: "\(kp).pem", parent: entry)), path: kp)
            case "pem_file":
                let file = try reader.requiredString(k["pem_file"], at: "\(kp).pem_file", parent: entry)
                guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                    throw reader.error("\(kp).pem_file", k["pem_file"], "cannot read `\(file)`")
                }
                return .init(kid: kid, material: .pem(text), path: kp)
            default:
                return .init(kid: kid, material: .jwk(try reader.requiredString(k["jwk"], at: "\(kp).jwk", parent: entry)), path: kp)
            }
        }
    }
}

extension ClaimMapping {
    static let fields = ["claims", "role_mappings", "scope_models", "scope_routes", "models", "limit_claims", "create_users", "create_teams"]

    /// `claims`, `role_mappings`, `scope_models` and `models` of a token source's entry.
    static func parse(_ f: [String: Node], at p: String, reader: ConfigReader) throws -> ClaimMapping {
        var reader = reader
        var mapping = ClaimMapping()
        if let claimsNode = f["claims"] {
            let c = try reader.fields(claimsNode, at: "\(p).claims", known: ["user", "email", "team", "organization", "roles", "scopes", "key"])
            mapping.claims.user = try reader.string(c["user"], at: "\(p).claims.user") ?? mapping.claims.user
            mapping.claims.email = try reader.string(c["email"], at: "\(p).claims.email") ?? mapping.claims.email
            mapping.claims.team = try reader.string(c["team"], at: "\(p).claims.team")
            mapping.claims.organization = try reader.string(c["organization"], at: "\(p).claims.organization")
            mapping.claims.roles = try reader.string(c["roles"], at: "\(p).claims.roles")
            mapping.claims.scopes = try reader.string(c["scopes"], at: "\(p).claims.scopes") ?? mapping.claims.scopes
            mapping.claims.key = try reader.string(c["key"], at: "\(p).claims.key")
        }
        for (value, roleName) in try reader.stringMap(f["role_mappings"], at: "\(p).role_mappings") ?? [:] {
            guard let role = Principal.Role(rawValue: roleName) else {
                throw reader.error(
                    "\(p).role_mappings.\(value)", f["role_mappings"],
                    "`\(roleName)` is not a role (proxy_admin, proxy_admin_viewer, internal_user, internal_user_viewer)")
            }
            mapping.roleMappings[value] = role
        }
        mapping.scopeModels = try reader.listMap(f["scope_models"], at: "\(p).scope_models") ?? [:]
        mapping.scopeRoutes = try reader.listMap(f["scope_routes"], at: "\(p).scope_routes") ?? [:]
        mapping.models = try reader.stringList(f["models"], at: "\(p).models") ?? []
        if let limits = f["limit_claims"] {
            _ = try reader.fields(limits, at: "\(p).limit_claims", known: ClaimMapping.limitNames)
            mapping.limitClaims = try reader.stringMap(limits, at: "\(p).limit_claims") ?? [:]
        }
        mapping.createUsers = try reader.bool(f["create_users"], at: "\(p).create_users") ?? false
        mapping.createTeams = try reader.bool(f["create_teams"], at: "\(p).create_teams") ?? false
        return mapping
    }
}
