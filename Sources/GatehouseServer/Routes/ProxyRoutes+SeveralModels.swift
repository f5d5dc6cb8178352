import Foundation
import GatehouseCore
import GatehouseMetering
import GatehouseProviders
import Hummingbird
import NIOCore

/// LiteLLM's comma-separated chat request (`"model": "gpt-4o,claude-sonnet"`): every model named
/// is asked at once and the answer is the list of their answers, in the order named (a failed
/// one is its error envelope); with `"fastest_response": true`, the first model to answer wins
/// and the others are cancelled (then it may stream). Each model is its own request: authorized
/// (before any is sent), limited, budgeted and billed, with a spend row of its own.
extension ProxyRoutes {
    /// The most models one request may name.
    static let maxModelsPerRequest = 5

    static func namesSeveral(_ model: String) -> Bool { model.utf8.contains(UInt8(ascii: ",")) }

    /// The models a comma-separated name lists (each trimmed, none empty, none twice).
    static func split(_ model: String) throws -> [String] {
        let models = model.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard models.count <= maxModelsPerRequest else {
            throw GatewayError.invalidRequest("A request may name at most \(maxModelsPerRequest) models.", param: "model")
        }
        guard !models.contains(where: \.isEmpty), Set(models).count == models.count else {
            throw GatewayError.invalidRequest("`model` lists a name twice, or an empty one.", param: "model")
        }
        return models
    }

    /// The models of a chat request naming several, or nil.
    static func models(in request: ForwardRequest) -> [String]? {
        guard request.endpoint == .chatCompletions, namesSeveral(request.model) else { return nil }
        return try? split(request.model)
    }

    func several(_ models: [String], _ request: ForwardRequest, bodyBytes: Int, context: AuthenticatedContext) async throws -> Response {
        let fastest = request.body["fastest_response"]?.boolValue == true
        func single(_ model: String) -> ForwardRequest {
            var one = request
            one.model = model
            one.body["model"] = .string(model)
            one.body["fastest_response"] = nil
            return one
        }
        if fastest {
            return try await withThrowingTaskGroup(of: Exchange.self) { group in
                for model in models { group.addTask { try await self.exchange(single(model), bodyBytes: bodyBytes, context: context) } }
                var failure: (any Error)?
                while let next = await group.nextResult() {
                    switch next {
                    case .success(let exchange):
                        group.cancelAll()
                        return Self.response(to: exchange)
                    case .failure(let error):
                        failure = error
                    }
                }
                throw failure ?? GatewayError.upstream(status: 502, message: "No model answered.")
            }
        }
        guard !request.stream else {
            throw GatewayError.invalidRequest("A request naming several models streams only with `fastest_response: true`.", param: "stream")
        }
        let answers = await withTaskGroup(of: (Int, ByteBuffer).self) { group in
            for (index, model) in models.enumerated() {
                group.addTask {
                    do {
                        let exchange = try await self.exchange(single(model), bodyBytes: bodyBytes, context: context)
                        if case .complete(let body, _, _, _, _) = exchange.result { return (index, body) }
                        return (index, Self.envelope(GatewayError.upstream(status: 502, message: "`\(model)` answered with a stream.")))
                    } catch {
                        return (index, Self.envelope(error as? GatewayError ?? GatewayError.upstream(status: 502, message: "`\(model)` failed.")))
                    }
                }
            }
            var answers = [ByteBuffer](repeating: ByteBuffer(), count: models.count)
            for await (index, body) in group { answers[index] = body }
            return answers
        }
        // The answers' own bytes, in a JSON list.
        var list = ByteBuffer(string: "[")
        for (index, var answer) in answers.enumerated() {
            if index > 0 { list.writeString(",") }
            list.writeBuffer(&answer)
        }
        list.writeString("]")
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: list))
    }

    static func envelope(_ error: GatewayError) -> ByteBuffer {
        ByteBuffer(string: JSONCoding.encodeString(error.openAIBody))
    }
}
