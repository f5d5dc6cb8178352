public import GatehouseCore

/// Proves who a request comes from. Adding a way to authenticate means writing one of these.
public protocol Authenticator: Sendable {
    /// - Returns: the principal, or nil when the credential is not of this authenticator's kind.
    /// - Throws: `GatewayError` (401) when the credential is of its kind but invalid.
    func authenticate(_ credential: PresentedCredential) async throws -> Principal?
}

/// Tries each authenticator in turn; a credential nobody recognises is a 401.
public struct AuthenticatorChain: Sendable {
    private let authenticators: [any Authenticator]

    public init(_ authenticators: [any Authenticator]) {
        self.authenticators = authenticators
    }

    public func authenticate(_ credential: PresentedCredential?) async throws -> Principal {
        guard let credential else {
            throw GatewayError.unauthorized("Missing API key. Pass it as `Authorization: Bearer <key>`.")
        }
        for authenticator in authenticators {
            if let principal = try await authenticator.authenticate(credential) { return principal }
        }
        throw GatewayError.unauthorized("Invalid API key.")
    }
}
