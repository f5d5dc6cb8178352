import GatehouseCore
import GatehouseProviders
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /v1/messages/count_tokens` (Anthropic's, which Claude Code calls to size its context):
/// asked of the model's Anthropic deployment; for a model served in OpenAI's format, estimated
/// here (`x-gatehouse-token-count: estimate`). Authenticated and held to the caller's models like
/// a message; not billed, as Anthropic does not bill it.
extension ProxyRoutes {
    func registerCountTokens(on router: some RouterMethods<AuthenticatedContext>) {
        for prefix in ["/v1/", "/"] {
            router.post(RouterPath(prefix + Self.countTokensPath)) { request, context in
                try await countTokens(request: request, context: context)
            }
        }
    }

    func countTokens(request: Request, context: AuthenticatedContext) async throws -> Response {
        let (forward, _) = try await parse(.messages, request: request, context: context)
        let deployments = forwarder.router.deployments(of: forward.model)
        guard let anthropic = forwarder.router.adapters(of: forward.model).first(where: { $0.upstreamDialect == .anthropic }) else {
            // Every string of the request, and the template's tokens: the prompt bound budgets
            // use, at the usual four bytes a token.
            let estimate = TokenEstimate(body: forward.body, bodyBytes: Int.max, endpoint: .messages, defaultMaxTokens: 1)
            guard !deployments.isEmpty else { throw GatewayError.modelNotFound(forward.model) }
            return Response.json(["input_tokens": JSONValue(estimate.prompt)], headers: [.gatehouseTokenCount: "estimate"])
        }
        guard let upstream = anthropic.countTokensRequest(forward.body, anthropic: forward.anthropic) else {
            throw GatewayError.modelNotFound(forward.model)
        }
        let timeout = TimeAmount.seconds(fractional: anthropic.deployment.timeout ?? forwarder.settings.requestTimeout)
        let response: UpstreamResponse
        do {
            response = try await anthropic.transport.send(upstream, timeouts: UpstreamTimeouts(firstByte: timeout, total: timeout))
        } catch {
            throw GatewayError.upstream(status: 502, message: "The model's upstream could not be reached to count tokens.")
        }
        // An upstream that sends more than a count's worth, or breaks off, is a bad gateway.
        guard let body = try? await response.body.collect(upTo: 1024 * 1024) else {
            throw GatewayError.upstream(status: 502, message: "The upstream's answer to a token count could not be read.")
        }
        guard (200..<300).contains(response.status), let json = try? JSONCoding.decode(body.readableBytesView), let tokens = json["input_tokens"]
        else {
            let message = ProviderAdapter.errorMessage(from: try? JSONCoding.decode(body.readableBytesView))
            throw GatewayError.upstream(
                status: response.status >= 400 ? response.status : 502,
                message: UpstreamErrorText(deployment: anthropic.deployment)(message) ?? "The upstream did not count the tokens.")
        }
        return Response.json(["input_tokens": tokens])
    }
}

extension HTTPField.Name {
    /// `estimate` when `/v1/messages/count_tokens` counted locally rather than at Anthropic.
    static let gatehouseTokenCount = HTTPField.Name("x-gatehouse-token-count")!
}
