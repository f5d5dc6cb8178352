import GatehouseCore
import Logging
public import ServiceLifecycle

/// Keeps every issuer's fetched key set fresh: fetched once at start, then on each issuer's
/// `jwks_refresh_seconds`. A failed fetch is logged and retried on schedule; the last good set
/// stays in use meanwhile. Owns the identity-provider HTTP client (introspection uses it too) and
/// shuts it down at the end.
public struct JWKSRefresher: Service {
    let issuers: [JWTIssuerKeys]
    let fetcher: IdentityProviderClient
    let logger: Logger

    public init(issuers: [JWTIssuerKeys], fetcher: IdentityProviderClient, logger: Logger) {
        self.issuers = issuers
        self.fetcher = fetcher
        self.logger = logger
    }

    public func run() async throws {
        // A service must not end before shutdown, even with nothing to fetch.
        guard issuers.contains(where: \.hasRemoteKeys) else {
            try? await gracefulShutdown()
            return try await fetcher.shutdown()
        }
        await withDiscardingTaskGroup { group in
            for issuer in issuers where issuer.hasRemoteKeys {
                group.addTask {
                    try? await cancelWhenGracefulShutdown {
                        while !Task.isCancelled {
                            do {
                                try await issuer.refresh()
                            } catch is CancellationError {
                                return
                            } catch {
                                logger.warning("JWKS fetch failed", metadata: ["issuer": "\(issuer.settings.name)", "error": "\(error)"])
                            }
                            try await Task.sleep(for: .seconds(issuer.settings.jwksRefreshSeconds))
                        }
                    }
                }
            }
        }
        try await fetcher.shutdown()
    }
}
