import GatehouseCore
import Hummingbird

/// Outermost when `access_log` is set: starts each request's access note and writes its line
/// when the response head goes out (model requests write theirs when they end).
struct AccessLogMiddleware: DirectMiddleware {
    typealias Context = GatewayRequestContext
    let log: AccessLog

    func run(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let note = AccessNote(
            log: log,
            fields: .init(httpMethod: request.method.rawValue, route: context.endpointPath, address: context.channel.remoteAddress?.ipAddress))
        context.accessNote = note
        do {
            let response = try await next(request, context)
            note.requestAnswered(status: Int(response.status.code))
            return response
        } catch {
            note.requestAnswered(status: (error as? GatewayError)?.status ?? 500)
            throw error
        }
    }
}
