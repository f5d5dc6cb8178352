import Foundation
import GatehouseCore
import GatehouseProviders
import Hummingbird

/// OpenAI's Responses API: `POST /v1/responses` (streamed or not), `GET` and `DELETE
/// /v1/responses/{id}`, `POST /v1/responses/{id}/cancel`, also without `/v1`. Every deployment
/// is asked through chat completions (translated, Anthropic ones included): a response is
/// authorized, limited, budgeted and billed as the chat request it becomes, and its spend row
/// carries its `resp_…` id. Responses are kept (unless `store: false`) in this instance's memory
/// for retrieval and `previous_response_id` (`ResponseStore`).
extension ProxyRoutes {
    func registerResponses(on router: some RouterMethods<AuthenticatedContext>) {
        for prefix in ["/v1/", "/"] {
            router.post(RouterPath(prefix + "responses")) { request, context in try await self.createResponse(request, context) }
            router.get(RouterPath(prefix + "responses/{id}")) { _, context in
                Response.json(try self.storedResponse(context).response)
            }
            router.delete(RouterPath(prefix + "responses/{id}")) { _, context in
                let id = try context.parameters.require("id")
                guard self.responses.delete(id: id, owner: context.principal.id) else { throw Self.unknownResponse(id) }
                return Response.json(["id": .string(id), "object": "response", "deleted": true])
            }
            router.post(RouterPath(prefix + "responses/{id}/cancel")) { _, context -> Response in
                _ = try self.storedResponse(context)
                throw GatewayError.invalidRequest("Only a response created with `background: true` can be cancelled; Gatehouse makes none.")
            }
        }
    }

    func createResponse(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        let (parsed, bodyBytes) = try await parse(.chatCompletions, request: request, context: context, severalModels: false)
        let body = parsed.body
        var history: [JSONValue] = []
        if let previous = body["previous_response_id"], previous != JSONValue.null {
            guard let id = previous.stringValue, let entry = responses.entry(id: id, owner: context.principal.id) else {
                throw GatewayError.notFound("Previous response `\(previous.stringValue ?? "")` not found.", param: "previous_response_id")
            }
            history = entry.messages
        }
        let (chat, input) = try ResponsesToChat.request(body, history: history)
        if let (field, bound) = TokenEstimate.invalidField(in: chat) {
            let name = field == "max_tokens" ? "max_output_tokens" : field
            throw GatewayError.invalidRequest("`\(name)` must be a whole number from 1 to \(bound).", param: name)
        }
        var forward = parsed
        forward.body = chat
        // The usage chunk is Gatehouse's to read: `response.completed` carries it.
        forward.clientWantsUsage = true
        var shape = ResponsesShape(id: Self.newResponseID(), createdAt: Int(Date().timeIntervalSince1970), model: parsed.model, request: body)
        if body["store"]?.boolValue != false {
            let (store, owner, id, conversation) = (responses, context.principal.id, shape.id, history + input)
            shape.finished = { response, assistant in store.put(id: id, owner: owner, response: response, messages: conversation + [assistant]) }
        }
        forward.responses = shape
        return Self.response(to: try await exchange(forward, bodyBytes: bodyBytes, context: context))
    }

    func storedResponse(_ context: AuthenticatedContext) throws -> ResponseStore.Entry {
        let id = try context.parameters.require("id")
        guard let entry = responses.entry(id: id, owner: context.principal.id) else { throw Self.unknownResponse(id) }
        return entry
    }

    /// Unknown, expired, deleted, another caller's, or kept by another instance: all alike.
    static func unknownResponse(_ id: String) -> GatewayError {
        GatewayError.notFound("Response with id `\(id)` not found.", param: "response_id")
    }

    /// `resp_` and 192 random bits in hex.
    static func newResponseID() -> String {
        "resp_" + (0..<3).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16).leftPadding(to: 16) }.joined()
    }
}

extension String {
    fileprivate func leftPadding(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
