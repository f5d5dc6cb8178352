import Foundation
import Yams

/// An OAuth 2.0 authorization server whose opaque access tokens Gatehouse checks with token
/// introspection (RFC 7662): an `oauth_introspection` entry.
public struct IntrospectionSettings: Sendable, Equatable {
    /// How Gatehouse authenticates itself to the introspection endpoint (RFC 6749 §2.3.1).
    public enum ClientAuthentication: String, Sendable {
        case basic = "client_secret_basic"
        case post = "client_secret_post"
    }

    public var name: String
    public var url: String
    public var clientID: String
    public var clientSecret: String
    public var authentication: ClientAuthentication = .basic
    /// Longest an answer is remembered; never past the token's `exp`.
    public var cacheSeconds = 60.0
    /// When set, the answer's `iss` must be this.
    public var issuer: String?
    /// When set, the answer's `aud` must name one of these.
    public var audiences: [String] = []
    public var mapping = ClaimMapping()

    public init(name: String, url: String, clientID: String, clientSecret: String) {
        self.name = name
        self.url = url
        self.clientID = clientID
        self.clientSecret = clientSecret
    }
}

enum IntrospectionParser {
    static let fields =
        ["name", "url", "client_id", "client_secret", "client_auth", "cache_seconds", "issuer", "audience"] + ClaimMapping.fields

    static func parse(_ node: Node, index: Int, reader: inout ConfigReader) throws -> IntrospectionSettings {
        let p = "oauth_introspection[\(index)]"
        let f = try reader.fields(node, at: p, known: fields)
        guard let url = try JWTIssuerParser.url(f["url"], at: "\(p).url", reader: reader) else { throw reader.error("\(p).url", node, "is required") }
        var settings = IntrospectionSettings(
            name: try reader.string(f["name"], at: "\(p).name") ?? url, url: url,
            clientID: try reader.requiredString(f["client_id"], at: "\(p).client_id", parent: node),
            clientSecret: try reader.requiredString(f["client_secret"], at: "\(p).client_secret", parent: node))
        if let method = try reader.string(f["client_auth"], at: "\(p).client_auth") {
            guard let known = IntrospectionSettings.ClientAuthentication(rawValue: method) else {
                throw reader.error("\(p).client_auth", f["client_auth"], "must be client_secret_basic or client_secret_post")
            }
            settings.authentication = known
        }
        settings.cacheSeconds = try reader.double(f["cache_seconds"], at: "\(p).cache_seconds", minimum: 0) ?? 60
        settings.issuer = try reader.string(f["issuer"], at: "\(p).issuer")
        settings.audiences = try reader.stringOrList(f["audience"], at: "\(p).audience") ?? []
        settings.mapping = try ClaimMapping.parse(f, at: p, reader: reader)
        return settings
    }
}
