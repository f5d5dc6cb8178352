import GatehouseCore

/// Why a token was refused. The message is for logs and the 401 body; it never contains the token.
enum TokenError: Error, Equatable {
    case malformed(String)
    case rejected(String)
    /// A valid token whose scopes grant no model.
    case noModels
    /// A valid token whose scopes open no route.
    case noRoutes

    var gatewayError: GatewayError {
        switch self {
        case .malformed(let why): .unauthorized("Malformed token: \(why).")
        case .rejected(let why): .unauthorized("Invalid token: \(why).")
        case .noModels: .forbidden("This token's scopes grant no model.")
        case .noRoutes: .forbidden("This token's scopes open no route.")
        }
    }
}
