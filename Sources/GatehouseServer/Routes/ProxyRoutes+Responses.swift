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
            router.post(RouterPath(prefix + Self.responsesPath)) { request, context in try await self.createResponse(request, context) }
            router.get(RouterPath(prefix + "responses/{id}")) { _, context in
                Response.json(try self.storedResponse(context).response)
            }
            router.delete(RouterPath(prefix + "responses/{id}")) { _, context in
                let id = try context.parameters.require("id")
                guard self.responses.delete(id: id, owner: context.principal.id) else { throw Self.unknownResponse(id) }
                return Response.json(["id": .string(id), "object": "response", "deleted": true])
            }
            router.get(RouterPath(prefix + "responses/{id}/input_items")) { request, context in
                try self.inputItems(request, context)
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
            let items = Self.items(of: body["input"], responseID: id)
            shape.finished = { response, assistant in
                store.put(id: id, owner: owner, response: response, messages: conversation + [assistant], inputItems: items)
            }
        }
        forward.responses = shape
        return Self.response(to: try await exchange(forward, bodyBytes: bodyBytes, context: context))
    }

    /// `GET /v1/responses/{id}/input_items`: the request's input as items, newest first unless
    /// `order=asc`, `limit` (1–100, default 20) at a time after the item `after`.
    func inputItems(_ request: Request, _ context: AuthenticatedContext) throws -> Response {
        let query = request.uri.queryParameters
        var items = try storedResponse(context).inputItems
        if query.get("order") != "asc" { items.reverse() }
        if let after = query.get("after"), let index = items.firstIndex(where: { $0["id"]?.stringValue == after }) {
            items = Array(items[(index + 1)...])
        }
        let limit = min(max(1, query.get("limit", as: Int.self) ?? 20), 100)
        let page = Array(items.prefix(limit))
        return Response.json([
            "object": "list", "data": .array(page), "first_id": page.first?["id"] ?? .null, "last_id": page.last?["id"] ?? .null,
            "has_more": .bool(items.count > limit),
        ])
    }

    /// A Responses request's `input` as items, each with an id (a string is one user message).
    static func items(of input: JSONValue?, responseID: String) -> [JSONValue] {
        let items: [JSONValue]
        switch input {
        case .string(let text)?: items = [["type": "message", "role": "user", "content": [["type": "input_text", "text": .string(text)]]]]
        case .array(let list)?: items = list
        default: items = []
        }
        return items.enumerated().map { index, item in
            var item = item
            if item["id"] == nil { item["id"] = .string("msg_\(responseID.dropFirst(5))_\(index)") }
            if item["type"] == nil { item["type"] = "message" }
            if item["type"] == "message", item["status"] == nil { item["status"] = "completed" }
            if item["type"] == "message", case .string(let text)? = item["content"] {
                item["content"] = [["type": item["role"] == "assistant" ? "output_text" : "input_text", "text": .string(text)]]
            }
            return item
        }
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
