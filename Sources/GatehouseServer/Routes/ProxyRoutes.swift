import GatehouseCore
import GatehouseMetering
import GatehouseProviders
import GatehouseStore
import HTTPTypes
public import Hummingbird
import Logging
import NIOCore

/// `/v1/chat/completions`, `/v1/completions`, `/v1/embeddings` and `/v1/messages`, also without
/// the `/v1` prefix as LiteLLM serves them, and the Azure OpenAI SDK's
/// `/openai/deployments/{deployment}/…` paths.
public struct ProxyRoutes: Sendable {
    let forwarder: Forwarder
    let maxBodyBytes: Int
    /// The largest audio upload (`/v1/audio/transcriptions`).
    let maxAudioBytes: Int
    let bodyTimeout: TimeAmount
    let metering: Metering
    let metrics: GatewayMetrics?
    /// Registered end users (LiteLLM's customers), found by a request's `user`.
    let endUsers: IdentityCache?
    /// Responses kept for `/v1/responses/{id}` and `previous_response_id`.
    let responses = ResponseStore()

    /// - Parameter bodyTimeout: a client that has not sent its whole body by then is disconnected.
    init(
        forwarder: Forwarder, maxBodyBytes: Int, maxAudioBytes: Int? = nil, bodyTimeout: TimeAmount, metering: Metering,
        metrics: GatewayMetrics? = nil, endUsers: IdentityCache? = nil
    ) {
        self.maxAudioBytes = maxAudioBytes ?? maxBodyBytes
        self.metrics = metrics
        self.endUsers = endUsers
        self.forwarder = forwarder
        self.maxBodyBytes = maxBodyBytes
        self.bodyTimeout = bodyTimeout
        self.metering = metering
    }

    /// The routes with a JSON body bounded by `max_request_body_bytes`, each under `/v1/` and `/`.
    static let jsonRoutes: [(String, Endpoint)] = [
        ("chat/completions", .chatCompletions), ("completions", .completions), ("embeddings", .embeddings), ("messages", .messages),
        ("moderations", .moderations), ("images/generations", .imageGenerations), ("audio/speech", .audioSpeech),
    ]
    /// The other routes whose request is one JSON body within `max_request_body_bytes`, served by
    /// their own handlers: OpenAI's Responses API and Anthropic's token count.
    static let responsesPath = "responses"
    static let countTokensPath = "messages/count_tokens"
    /// The audio upload route, bounded by `max_audio_request_bytes` (`registerAudio`).
    static let transcriptionsPath = "audio/transcriptions"
    /// The same under the Azure OpenAI SDK's `/openai/deployments/{deployment}/`.
    static let azureRoutes: [(String, Endpoint)] = [
        ("chat/completions", .chatCompletions), ("completions", .completions), ("embeddings", .embeddings),
        ("images/generations", .imageGenerations), ("audio/speech", .audioSpeech),
    ]

    public func register(on router: some RouterMethods<AuthenticatedContext>) {
        for (path, endpoint) in Self.jsonRoutes {
            for prefix in ["/v1/", "/"] {
                router.post(RouterPath(prefix + path)) { request, context in
                    try await self.handle(endpoint, request: request, context: context)
                }
            }
        }
        // The Azure OpenAI SDK names the model (its "deployment") in the path and may leave it out
        // of the body; its `api-version` query is accepted and not forwarded (each Azure
        // deployment in the configuration has its own).
        for (path, endpoint) in Self.azureRoutes {
            router.post(RouterPath("/openai/deployments/{deployment}/" + path)) { request, context in
                try await self.handle(endpoint, request: request, context: context, model: context.parameters.get("deployment"))
            }
        }
        registerAudio(on: router)
        registerCountTokens(on: router)
        registerResponses(on: router)
    }

    /// - Parameter pathModel: the model the path names (Azure's deployment), which wins over the body's.
    func handle(_ endpoint: Endpoint, request: Request, context: AuthenticatedContext, model pathModel: String? = nil) async throws -> Response {
        let (parsed, bodyBytes) = try await parse(endpoint, request: request, context: context, model: pathModel)
        if let models = Self.models(in: parsed) { return try await several(models, parsed, bodyBytes: bodyBytes, context: context) }
        return Self.response(to: try await exchange(parsed, bodyBytes: bodyBytes, context: context))
    }

    /// A request admitted, forwarded and, when complete, billed.
    struct Exchange {
        let result: ForwardResult
        let metered: MeteredRequest
        /// What a complete answer cost, when its deployment is priced.
        let cost: USD?
    }

    func exchange(_ parsed: ForwardRequest, bodyBytes: Int, context: AuthenticatedContext) async throws -> Exchange {
        var parsed = parsed
        let endUser = try endUser(of: &parsed, context.principal)
        let metered = try await metering.admit(
            parsed, bodyBytes: bodyBytes, principal: context.principal, endUser: endUser, note: context.accessNote)
        // As admitted: a `fit` budget may have lowered its `max_tokens`.
        let forward = metered.forward
        let logger = context.logger
        let result: ForwardResult
        let upstreamStart = ContinuousClock.now
        do {
            let principal = context.principal
            result = try await forwarder.forward(forward, mayUse: { self.mayUse($0, principal) }) { end, deployment in
                metered.finish(usage: end.usage, deployment: deployment, status: 200, responseID: end.responseID)
                logger.debug(
                    "stream ended",
                    metadata: [
                        "model": "\(forward.model)", "completed": "\(end.completed)", "completion_tokens": "\(end.usage?.completionTokens ?? 0)",
                        "request_id": "\(metered.requestID)",
                    ])
            }
        } catch {
            metered.finish(usage: nil, deployment: nil, status: (error as? GatewayError)?.status ?? 500)
            throw error
        }
        if let note = context.accessNote {
            let upstream = ContinuousClock.now - upstreamStart
            note.update { $0.upstream = upstream }
        }
        if let metrics, let requestStart = context.requestStart {
            let now = ContinuousClock.now
            metrics.upstream(model: forward.model, upstream: now - upstreamStart, overhead: upstreamStart - requestStart)
        }
        guard case .complete(_, let usage, let deployment, let responseID, _) = result else {
            return Exchange(result: result, metered: metered, cost: nil)
        }
        let cost = metered.finish(usage: usage, deployment: deployment, status: 200, responseID: responseID)
        return Exchange(result: result, metered: metered, cost: metering.isPriced(deployment) ? cost : nil)
    }

    static func response(to exchange: Exchange) -> Response {
        let metered = exchange.metered
        // Each name is new here: appended, not looked up and replaced as the subscript does.
        // Room for the most an answer carries (a priced answer to a key with request and token
        // windows: 13), so that no append moves them all.
        var headers = HTTPFields()
        headers.reserveCapacity(16)
        func add(_ name: HTTPField.Name, _ value: String) { headers.append(HTTPField(name: name, value: value)) }
        let body: ResponseBody
        switch exchange.result {
        case .complete(let bytes, _, let deployment, _, let contentType):
            add(.contentType, contentType)
            // Here rather than by `Response.init`, whose change would copy every field first.
            add(.contentLength, String(bytes.readableBytes))
            add(.gatehouseDeployment, deployment.id)
            if let cost = exchange.cost {
                let text = cost.description
                add(.gatehouseResponseCost, text)
                add(.litellmResponseCost, text)
            }
            body = .init(byteBuffer: bytes)
        case .stream(let events, let deployment):
            add(.contentType, "text/event-stream")
            add(.cacheControl, "no-cache")
            add(.gatehouseDeployment, deployment.id)
            body = .init(asyncSequence: events)
        }
        add(.gatehouseRequestID, metered.requestID)
        if let decision = metered.decision { RateLimitHeaders.append(decision, to: &headers) }
        if let lowered = metered.loweredMaxTokens { add(.gatehouseMaxTokens, String(lowered)) }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// Reads and checks the body: size, JSON, model, fields that would redirect the upstream.
    /// - Returns: the request, and the size of its body.
    /// - Parameters:
    ///   - pathModel: the model named in the path, in place of the body's.
    ///   - severalModels: whether a chat request may name several models (`a,b`).
    func parse(
        _ endpoint: Endpoint, request: Request, context: AuthenticatedContext, model pathModel: String? = nil, severalModels: Bool = true
    ) async throws -> (ForwardRequest, Int) {
        let bytes = try await collect(request, context: context, limit: maxBodyBytes)
        let body: JSONValue
        do {
            body = try JSONCoding.decode(bytes.readableBytesView)
        } catch {
            throw GatewayError.invalidRequest("Request body is not valid JSON.")
        }
        guard case .object = body else { throw GatewayError.invalidRequest("Request body must be a JSON object.") }
        let forward = try check(endpoint, body, request: request, context: context, model: pathModel, severalModels: severalModels)
        return (forward, bytes.readableBytes)
    }

    /// The request's whole body, at most `limit` bytes (413 past it), within the body timeout.
    func collect(_ request: Request, context: AuthenticatedContext, limit: Int) async throws -> ByteBuffer {
        if let length = request.headers.value(of: .contentLength).flatMap(Int.init), length > limit {
            throw GatewayError.payloadTooLarge(limit: limit)
        }
        // Read already by the data plane, within the same deadline.
        if let body = context.bodyRead {
            guard body.readableBytes <= limit else { throw GatewayError.payloadTooLarge(limit: limit) }
            return body
        }
        // A client trickling its body byte by byte must not hold a connection and a task forever.
        let channel = context.channel
        let deadline = channel.eventLoop.scheduleTask(in: bodyTimeout) { channel.close(promise: nil) }
        defer { deadline.cancel() }
        return try await collect(request, upTo: limit)
    }

    private func collect(_ request: Request, upTo limit: Int) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw GatewayError.payloadTooLarge(limit: limit)
        } catch is NIOTooManyBytesError {
            // A chunked body (no Content-Length) that passes the limit.
            throw GatewayError.payloadTooLarge(limit: limit)
        }
    }

    /// Checks a request's fields: model (and the caller's access to it), fields that would
    /// redirect the upstream, numeric bounds, `stream`.
    func check(
        _ endpoint: Endpoint, _ body: JSONValue, request: Request, context: AuthenticatedContext, model pathModel: String?, severalModels: Bool
    ) throws -> ForwardRequest {
        var body = body
        if let pathModel { body["model"] = .string(pathModel) }
        guard var model = body["model"]?.stringValue, !model.isEmpty else {
            throw GatewayError.invalidRequest("`model` is required.", param: "model")
        }
        // The caller's team's alias: the model it names is asked for, checked and billed.
        if let target = context.principal.modelAliases[model] {
            model = target
            body["model"] = .string(target)
        }
        if let field = ForbiddenRequestFields.first(in: body) {
            throw GatewayError.invalidRequest("`\(field)` cannot be set by the client: the upstream is chosen by the gateway.", param: field)
        }
        if let (field, bound) = TokenEstimate.invalidField(in: body) {
            throw GatewayError.invalidRequest("`\(field)` must be a whole number from 1 to \(bound).", param: field)
        }
        func check(_ model: String) throws {
            if let level = context.principal.modelRefusal(model: model, accessGroups: forwarder.router.accessGroups(of: model)) {
                throw GatewayError.modelAccessDenied(model, level: level)
            }
            guard forwarder.router.hasModel(model), forwarder.router.isReachable(model, by: context.principal) else {
                throw GatewayError.modelNotFound(model)
            }
        }
        if endpoint == .chatCompletions, severalModels, Self.namesSeveral(model) {
            for one in try Self.split(model) { try check(one) }
        } else {
            try check(model)
        }
        let stream: Bool
        switch body["stream"] {
        case nil, .null?: stream = false
        case .bool(let value)?: stream = value
        default: throw GatewayError.invalidRequest("`stream` must be a boolean.", param: "stream")
        }
        let wantsUsage = body["stream_options"]?["include_usage"]?.boolValue ?? false
        var forward = ForwardRequest(endpoint: endpoint, model: model, body: body, stream: stream, clientWantsUsage: wantsUsage)
        forward.anthropic = try Self.anthropicHeaders(request)
        return forward
    }
}

extension ProxyRoutes {
    /// The client's `anthropic-version` and `anthropic-beta`, checked (400 when malformed).
    static func anthropicHeaders(_ request: Request) throws -> AnthropicHeaders {
        // One pass over the fields (nearly every request has neither), not one generic lookup each.
        var version: String?
        var betas: [String] = []
        for field in request.headers {
            if field.name == .anthropicVersion {
                version = version.map { $0 + ", " + field.value } ?? field.value
            } else if field.name == .anthropicBeta {
                betas.append(field.value)
            }
        }
        guard version != nil || !betas.isEmpty else { return AnthropicHeaders() }
        switch AnthropicHeaders.parse(version: version, beta: betas) {
        case .success(let headers): return headers
        case .failure(let error):
            throw GatewayError.invalidRequest("`\(error.name)` is malformed: a date (2023-06-01) or comma-separated beta names.", param: error.name)
        }
    }

    /// Whether the caller may use a model: the one asked for, and every fallback tried.
    func mayUse(_ model: String, _ principal: Principal) -> Bool {
        principal.mayUse(model: model, accessGroups: forwarder.router.accessGroups(of: model)) && forwarder.router.isReachable(model, by: principal)
    }
}

extension HTTPField.Name {
    static let anthropicVersion = HTTPField.Name("anthropic-version")!
    static let anthropicBeta = HTTPField.Name("anthropic-beta")!
    static let gatehouseDeployment = HTTPField.Name("x-gatehouse-deployment")!
    /// The cost in US dollars of a complete (non-streamed) response, from its usage.
    static let gatehouseResponseCost = HTTPField.Name("x-gatehouse-response-cost")!
    /// The same, under the name LiteLLM's clients read.
    static let litellmResponseCost = HTTPField.Name("x-litellm-response-cost")!
    /// The `max_tokens` a `fit` budget lowered the request to (absent when it did not).
    static let gatehouseMaxTokens = HTTPField.Name("x-gatehouse-max-tokens")!
    /// The id of the request's spend record (`/spend/logs?request_id=`).
    static let gatehouseRequestID = HTTPField.Name("x-gatehouse-request-id")!
}
