import GatehouseCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import GatehouseServer

/// What the data plane calls for a model route with a fixed path instead of the router's lookup:
/// a chain of the same middleware, in the same order, around the same route the router holds.
@Suite("The fixed model routes' chains")
struct FixedRoutesTests {
    static let mark = HTTPField.Name("x-mark")!

    /// Marks the response with its name, to show which middleware a response passed through.
    struct Mark: DirectMiddleware {
        typealias Context = GatewayRequestContext
        let name: String
        nonisolated(nonsending) func run(
            _ request: Request, context: Context, next: nonisolated(nonsending) (Request, Context) async throws -> Response
        ) async throws -> Response {
            var response = try await next(request, context)
            response.headers.append(HTTPField(name: FixedRoutesTests.mark, value: name))
            return response
        }
    }

    /// Signs every request in as one principal, where `AuthenticationMiddleware` would check it.
    struct SignIn: DirectMiddleware {
        typealias Context = GatewayRequestContext
        nonisolated(nonsending) func run(
            _ request: Request, context: Context, next: nonisolated(nonsending) (Request, Context) async throws -> Response
        ) async throws -> Response {
            var context = context
            context.principal = Principal(id: "key_x", method: .apiKey, role: .internalUser)
            var response = try await next(request, context)
            response.headers.append(HTTPField(name: FixedRoutesTests.mark, value: "sign-in"))
            return response
        }
    }

    /// A middleware of Hummingbird's kind only, added after the group was made.
    struct Added: RouterMiddleware {
        typealias Context = AuthenticatedContext
        let name: String
        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            var response = try await next(request, context)
            response.headers.append(HTTPField(name: FixedRoutesTests.mark, value: name + " for " + context.principal.id))
            return response
        }
    }

    static func request(_ path: String, method: HTTPRequest.Method = .post) -> Request {
        Request(head: HTTPRequest(method: method, scheme: nil, authority: nil, path: path), body: RequestBody(buffer: ByteBuffer()))
    }

    @Test func aFixedPostRouteIsKeptWithTheRoutersAndItsGroupsMiddlewareInOrderAndNothingElseIs() async throws {
        let router = Router(context: GatewayRequestContext.self)
        let listener: [any DirectMiddleware<GatewayRequestContext>] = [Mark(name: "outer"), Mark(name: "inner")]
        for middleware in listener { router.middlewares.add(middleware.routerMiddleware) }
        let signIn = SignIn()
        let fixed = FixedRoutes(
            group: router.group().add(middleware: signIn).group(context: AuthenticatedContext.self), middlewares: listener + [signIn])
        fixed.add(middleware: Added(name: "added"))
        let group = fixed.group().add(middleware: Added(name: "group"))
        group.post("/v1/chat/completions") { _, context in "chat for \(context.principal.id)" }
        group.post("/openai/deployments/{deployment}/chat/completions") { _, _ in "azure" }
        group.get("/v1/embeddings") { _, _ in "get" }
        group.post("/v1/models") { _, _ in "not a model route" }
        #expect(Array(fixed.chains.keys) == ["/v1/chat/completions"])

        let channel = EmbeddedChannel()
        let context = GatewayRequestContext(source: .init(channel: channel, logger: Logger(label: "test")))
        let request = Self.request("/v1/chat/completions")
        let kept = try await #require(fixed.chains["/v1/chat/completions"]).respond(to: request, context: context)
        let routed = try await router.buildResponder().respond(to: request, context: context)
        let marks = ["group for key_x", "added for key_x", "sign-in", "inner", "outer"]
        #expect(kept.headers[values: Self.mark] == marks)
        #expect(routed.headers[values: Self.mark] == marks)
        var keptBody = ByteBuffer()
        var routedBody = ByteBuffer()
        _ = try await kept.body.write(CollectingWriter { keptBody.writeImmutableBuffer($0) })
        _ = try await routed.body.write(CollectingWriter { routedBody.writeImmutableBuffer($0) })
        #expect(String(buffer: keptBody) == "chat for key_x")
        #expect(keptBody == routedBody)
        // Every route still reaches the router.
        for (method, path) in [(HTTPRequest.Method.post, "/openai/deployments/d/chat/completions"), (.get, "/v1/embeddings"), (.post, "/v1/models")] {
            #expect(
                try await router.buildResponder().respond(to: Self.request(path, method: method), context: context).status == .ok, "\(method) \(path)"
            )
        }
    }

    @Test func aChainWithoutTheSignInRefusesAsTheRouterDoes() async throws {
        let router = Router(context: GatewayRequestContext.self)
        let fixed = FixedRoutes(group: router.group().group(context: AuthenticatedContext.self), middlewares: [Mark(name: "outer")])
        fixed.post("/v1/embeddings") { _, _ in "never" }
        let context = GatewayRequestContext(source: .init(channel: EmbeddedChannel(), logger: Logger(label: "test")))
        let chain = try #require(fixed.chains["/v1/embeddings"])
        await #expect(throws: GatewayError.self) { try await chain.respond(to: Self.request("/v1/embeddings"), context: context) }
        await #expect(throws: GatewayError.self) { try await router.buildResponder().respond(to: Self.request("/v1/embeddings"), context: context) }
    }
}

/// Collects a response body's buffers.
struct CollectingWriter: ResponseBodyWriter {
    let collect: (ByteBuffer) -> Void
    mutating func write(_ buffer: ByteBuffer) async throws { collect(buffer) }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
