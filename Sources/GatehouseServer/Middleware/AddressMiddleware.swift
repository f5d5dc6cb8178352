import GatehouseCore
import HTTPTypes
import Hummingbird

/// First for every request when proxies are trusted or addresses restricted: the client's address
/// (read past trusted proxies only) and whether it may call Gatehouse at all (`allowed_ips`).
struct ClientAddressMiddleware: DirectMiddleware {
    typealias Context = GatewayRequestContext
    let trustedProxies: [IPNetwork]
    /// The one header trusted proxies write the client's address in.
    let header: ForwardedFor.Header
    let headerName: HTTPField.Name
    let allowed: AddressAllowlist?
    static let prefixHeader = HTTPField.Name("x-forwarded-prefix")!

    init(trustedProxies: [IPNetwork], header: ForwardedFor.Header, allowed: AddressAllowlist?) {
        self.trustedProxies = trustedProxies
        self.header = header
        headerName = HTTPField.Name(header.rawValue)!
        self.allowed = allowed
    }

    func run(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if !trustedProxies.isEmpty, let peer = context.channel.remoteAddress?.ipAddress {
            let values = request.headers[values: headerName]
            let client = ForwardedFor.client(
                peer: peer, trusted: trustedProxies, header: header, value: values.isEmpty ? nil : values.joined(separator: ","))
            context.forwardedClient = client
            context.accessNote?.update { $0.address = client }
            // Only a request that carries the header pays for the second look at the peer.
            if let prefix = request.headers[Self.prefixHeader], trustedProxies.contains(where: { $0.contains(peer) }) {
                context.forwardedPrefix = ForwardedPrefix.parse(prefix)
            }
        }
        try allowed?.check(context)
        return try await next(request, context)
    }
}

/// Addresses a group of routes may be called from (the management API's, `/metrics`). Checked
/// on the route the request was matched to, so `//key/list` is held to `/key/list`'s list.
struct AddressAllowlistMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let allowed: AddressAllowlist

    @concurrent func handle(
        _ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response
    ) async throws -> Response {
        try allowed.check(context)
        return try await next(request, context)
    }
}

/// A list of networks and what refusing means: a 403, audited.
struct AddressAllowlist: Sendable {
    let networks: [IPNetwork]
    /// What the list guards, for the audit record: `gateway`, `management`.
    let scope: String
    let audit: Audit?

    init?(_ networks: [IPNetwork], scope: String, audit: Audit?) {
        guard !networks.isEmpty else { return nil }
        self.networks = networks
        self.scope = scope
        self.audit = audit
    }

    func check(_ context: GatewayRequestContext) throws {
        let address = context.clientAddress
        guard let address, networks.contains(where: { $0.contains(address) }) else {
            audit?.record(
                AuditEvent(
                    action: .networkDenied, actor: "anonymous", object: scope, outcome: .denied, address: address,
                    details: ["route": .string(context.endpointPath ?? "unknown")]))
            throw GatewayError.forbidden("Requests from this address are not allowed.")
        }
    }
}
