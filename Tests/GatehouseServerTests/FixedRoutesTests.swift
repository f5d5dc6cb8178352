import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import GatehouseServer

/// What the data plane calls for a model route with a fixed path instead of the router's lookup:
/// the responder the router built for that route.
@Suite("The fixed model routes' responders")
struct FixedRoutesTests {
    /// Marks the response with its name, to show which middleware a responder passed through.
    struct Mark<Context: RequestContext>: RouterMiddleware {
        let name: String
        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            var response = try await next(request, context)
            response.headers.append(HTTPField(name: HTTPField.Name("x-mark")!, value: name))
            return response
        }
    }

    @Test func aFixedPostRouteIsKeptWithTheRoutersAndItsGroupsMiddlewareAndNothingElseIs() async throws {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(Mark(name: "router"))
        let fixed = FixedRoutes(router: router)
        let group = fixed.group().add(middleware: Mark(name: "group"))
        group.post("/v1/chat/completions") { _, _ in "chat" }
        group.post("/openai/deployments/{deployment}/chat/completions") { _, _ in "azure" }
        group.get("/v1/embeddings") { _, _ in "get" }
        group.post("/v1/models") { _, _ in "not a model route" }
        #expect(Array(fixed.responders.keys) == ["/v1/chat/completions"])

        let channel = EmbeddedChannel()
        let context = BasicRequestContext(source: .init(channel: channel, logger: Logger(label: "test")))
        let request = Request(
            head: HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/v1/chat/completions"), body: RequestBody(buffer: ByteBuffer()))
        let kept = try await #require(fixed.responders["/v1/chat/completions"]).respond(to: request, context: context)
        let routed = try await router.buildResponder().respond(to: request, context: context)
        #expect(kept.headers[values: HTTPField.Name("x-mark")!] == ["group", "router"])
        #expect(routed.headers[values: HTTPField.Name("x-mark")!] == kept.headers[values: HTTPField.Name("x-mark")!])
        // Every route still reaches the router.
        for (method, path) in [(HTTPRequest.Method.post, "/openai/deployments/d/chat/completions"), (.get, "/v1/embeddings"), (.post, "/v1/models")] {
            let other = Request(head: HTTPRequest(method: method, scheme: nil, authority: nil, path: path), body: RequestBody(buffer: ByteBuffer()))
            #expect(try await router.buildResponder().respond(to: other, context: context).status == .ok, "\(method) \(path)")
        }
    }
}
