import GatehouseCore
import GatehouseStore
import HTTPTypes
public import Hummingbird
import Logging
import NIOHTTP1

/// Every error leaves as a JSON envelope with the right status: OpenAI's shape, or Anthropic's on
/// `/v1/messages`. Nothing falls through to a bodyless 500, and no internal detail leaks. An
/// address holding an encoded NUL (`%00`) is refused here, before any route: no store can hold a
/// NUL in a text, and a query parameter with one would otherwise fail in the store as a 500.
public struct ErrorEnvelopeMiddleware<Context: RequestContext & Sendable>: DirectMiddleware {
    public init() {}

    public func run(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.holdsEncodedNUL(request.uri.string) {
            return Self.render(.badRequest("The address may not contain a NUL character (`%00`)."), for: request)
        }
        do {
            return try await next(request, context)
        } catch let error as GatewayError {
            return Self.render(error, for: request)
        } catch let error as HTTPError {
            return Self.render(Self.translate(error.status, message: error.body), for: request)
        } catch let error as any HTTPResponseError {
            // A body over its limit without a usable Content-Length (NIO's too-many-bytes error)
            // and every other error that knows its status: never a 500.
            return Self.render(Self.translate(error.status, message: nil), for: request)
        } catch let error as HTTPParserError {
            // A broken or vanished client connection: Hummingbird closes it; there is no one to answer.
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch  where StoreConflict.matches(error) {
            return Self.render(.conflict("This conflicts with an existing record (it may have been created at the same moment)."), for: request)
        } catch {
            context.logger.error("unhandled error", metadata: ["error.type": "\(type(of: error))"])
            return Self.render(.internalError(), for: request)
        }
    }

    static func holdsEncodedNUL(_ address: String) -> Bool {
        var zeros = -1  // -1: not after a `%`; else how many `0`s followed it
        for byte in address.utf8 {
            switch (byte, zeros) {
            case (UInt8(ascii: "%"), _): zeros = 0
            case (UInt8(ascii: "0"), 0): zeros = 1
            case (UInt8(ascii: "0"), 1): return true
            default: zeros = -1
            }
        }
        return false
    }

    static func translate(_ status: HTTPResponse.Status, message body: String?) -> GatewayError {
        let message = body ?? status.reasonPhrase
        switch status.code {
        case 413: return GatewayError(status: 413, message: "Request body is too large.", type: "invalid_request_error", code: "request_too_large")
        case 404: return .notFound("Unknown route.")
        case 405: return GatewayError(status: 405, message: "Method not allowed.", type: "invalid_request_error", code: "method_not_allowed")
        case 400..<500: return GatewayError(status: Int(status.code), message: message, type: "invalid_request_error")
        default: return GatewayError(status: Int(status.code), message: message, type: "api_error")
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
