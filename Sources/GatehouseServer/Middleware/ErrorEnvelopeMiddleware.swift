import GatehouseCore
import HTTPTypes
public import Hummingbird
import Logging
import NIOHTTP1

/// Every error leaves as a JSON envelope with the right status: OpenAI's shape, or Anthropic's on
/// `/v1/messages`. Nothing falls through to a bodyless 500, and no internal detail leaks.
public struct ErrorEnvelopeMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as GatewayError {
            return Self.render(error, for: request)
        } catch let error as HTTPError {
            return Self.render(Self.translate(error), for: request)
        } catch let error as HTTPParserError {
            // A broken or vanished client connection: Hummingbird closes it; there is no one to answer.
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            context.logger.error("unhandled error", metadata: ["error.type": "\(type(of: error))"])
            return Self.render(.internalError(), for: request)
        }
    }

    static func translate(_ error: HTTPError) -> GatewayError {
        let message = error.body ?? error.status.reasonPhrase
        switch error.status.code {
        case 413: return GatewayError(status: 413, message: "Request body is too large.", type: "invalid_request_error", code: "request_too_large")
        case 404: return .notFound("Unknown route.")
        case 405: return GatewayError(status: 405, message: "Method not allowed.", type: "invalid_request_error", code: "method_not_allowed")
        case 400..<500: return GatewayError(status: Int(error.status.code), message: message, type: "invalid_request_error")
        default: return GatewayError(status: Int(error.status.code), message: message, type: "api_error")
        }
    }

    public static func render(_ error: GatewayError, for request: Request) -> Response {
        let anthropic = request.uri.path.hasSuffix("/messages")
        let body = anthropic ? error.anthropicBody : error.openAIBody
        var headers: HTTPFields = [:]
        for (name, value) in error.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return Response.json(body, status: .init(code: error.status), headers: headers)
    }
}
