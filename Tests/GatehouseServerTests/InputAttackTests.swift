import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// Numbers, bodies and strings from outside, from an attacker's side (issue 14, findings 2, 5,
/// 8, 10): each once crashed the process, overspent a budget, answered 500, hung a client or
/// handed over the provider's key.
@Suite("Attacks with numbers, bodies and upstream strings")
struct InputAttackTests {
    /// Finding 2: integer overflows trapped the whole process from one authenticated request.
    @Test func absurdNumbersAreRefusedOrHeldNeverACrash() async throws {
        try await withGatehouse(BudgetLiveTests.config()) { client, _ in
            for duration in ["9999999999999d", "9223372036854775807s", "99999999mo", "36600001d"] {
                let response = try await client.post("/key/generate", ["duration": .string(duration)])
                #expect(response.status == .badRequest && response.json?["error"]?["param"] == "duration", "\(duration)")
            }
            let key = try #require(try await client.post("/key/generate", ["max_budget": 1]).json?["key"]?.stringValue)
            let grace = try await client.post("/key/regenerate", ["key": .string(key), "grace_period": "9999999999999d"])
            #expect(grace.status == .badRequest && grace.json?["error"]?["param"] == "grace_period")
            for path in ["/key/list", "/audit", "/user/list", "/oauth/client/list", "/spend/logs"] {
                let response = try await client.get("\(path)?page=9223372036854775807&offset=9223372036854775807")
                #expect(response.status == .ok, "\(path): \(response.text)")
            }
            // A key with a budget: the worst case of an absurd max_tokens once overflowed.
            for (field, value) in [("max_tokens", 8_999_999_999_999_999.0), ("max_completion_tokens", 1e300), ("n", 1e6)] {
                var body = BudgetLiveTests.request()
                body[field] = .number(value)
                let response = try await client.post("/v1/chat/completions", body, headers: bearer(key))
                #expect(response.status == .badRequest && response.json?["error"]?["param"] == .string(field), "\(field)")
            }
            // Still serving.
            #expect(try await client.post("/v1/chat/completions", BudgetLiveTests.request(), headers: bearer(key)).status == .ok)
        }
    }

    /// Finding 5: `max_tokens: 0`, `-1`, or `max_completion_tokens: 0` beside `max_tokens`
    /// reserved no completion cost while upstreams read them as no limit; a $0.01 key overspent
    /// 20×. Non-positive values are refused; the worst case is the largest field.
    @Test func completionBoundsThatReserveNothingAreRefused() async throws {
        try await withGatehouse(BudgetLiveTests.config()) { client, _ in
            let key = try #require(try await client.post("/key/generate", ["max_budget": 0.01]).json?["key"]?.stringValue)
            let bodies: [[String: JSONValue]] = [
                ["max_tokens": 0], ["max_tokens": -1], ["max_completion_tokens": 0, "max_tokens": 10], ["max_tokens": 1.5], ["max_tokens": "10"],
            ]
            for fields in bodies {
                var body = chat("priced")
                for (name, value) in fields { body[name] = value }
                let response = try await client.post("/v1/chat/completions", body, headers: bearer(key))
                #expect(response.status == .badRequest, "\(fields): \(response.text)")
            }
            // The larger field decides the worst case: 1 and 1000 reserve $1, beyond the budget.
            var body = chat("priced")
            body["max_completion_tokens"] = 1
            body["max_tokens"] = 1000
            #expect(try await client.post("/v1/chat/completions", body, headers: bearer(key)).json?["error"]?["type"] == "budget_exceeded")
            #expect(try await client.post("/v1/chat/completions", BudgetLiveTests.request(), headers: bearer(key)).status == .ok)
        }
    }

    /// Finding 2 (upstream side): an upstream reporting absurd or negative usage once overflowed
    /// the cost, or would refund spend.
    @Test func absurdUpstreamUsageIsHeld() async throws {
        let upstream = RecordingUpstream { request, _ in
            var answer = RecordingUpstream.chatCompletion("hi")
            let huge = request.body?["messages"]?.arrayValue?.first?["content"] == "huge"
            let absurd: JSONValue = ["prompt_tokens": 1e300, "completion_tokens": 9.3e18]
            let negative: JSONValue = ["prompt_tokens": -5_000_000, "completion_tokens": -1]
            answer["usage"] = huge ? absurd : negative
            return RecordingUpstream.json(answer)
        }
        try await upstream.run { port in
            var priced = deployment("gpt", port: port)
            priced.inputCostPerToken = 1
            priced.outputCostPerToken = 1
            try await withGatehouse(GatehouseConfig(models: [priced])) { client, _ in
                let key = try #require(try await client.post("/key/generate", [:]).json?["key"]?.stringValue)
                let huge = try await client.post("/v1/chat/completions", chat("gpt", "huge"), headers: bearer(key))
                #expect(huge.status == .ok)
                let negative = try await client.post("/v1/chat/completions", chat("gpt", "negative"), headers: bearer(key))
                #expect(negative.status == .ok && negative.headers[HTTPField.Name("x-gatehouse-response-cost")!] == "0")
                let info = try await client.get("/key/info?key=\(key)")
                // 10⁹ tokens each way at $1 is beyond what USD holds: held at its end, never
                // negative, never a trap.
                #expect(info.json?["info"]?["spend"] == .number(USD(units: .max).dollars))
            }
        }
    }

    /// Finding 16: a model without a price was free under every budget, silently. With
    /// `unpriced_models: refuse` a budgeted caller is refused it; others are served.
    @Test func anUnpricedModelIsRefusedToBudgetedCallersWhenTheOperatorSaysSo() async throws {
        let upstream = RecordingUpstream { _, _ in RecordingUpstream.json(RecordingUpstream.chatCompletion("hi")) }
        try await upstream.run { port in
            var config = GatehouseConfig(models: [deployment("free", port: port)])
            config.server.metering.unpricedModels = .refuse
            try await withGatehouse(config) { client, _ in
                let budgeted = try #require(try await client.post("/key/generate", ["max_budget": 5]).json?["key"]?.stringValue)
                let refused = try await client.post("/v1/chat/completions", chat("free"), headers: bearer(budgeted))
                #expect(refused.status == .badRequest && refused.json?["error"]?["code"] == "unpriced_model")
                let unbudgeted = try #require(try await client.post("/key/generate", [:]).json?["key"]?.stringValue)
                #expect(try await client.post("/v1/chat/completions", chat("free"), headers: bearer(unbudgeted)).status == .ok)
                #expect(upstream.requests.count == 1)
            }
        }
    }

    /// Finding 8: an upstream echoing the deployment's key in `type` or `param` handed it over.
    @Test func theProvidersKeyIsRedactedFromEveryErrorString() async throws {
        let upstream = RecordingUpstream { _, _ in
            let echo = JSONValue.string("bad key \(TestKeys.upstream)")
            return RecordingUpstream.json(["error": ["message": echo, "type": echo, "param": echo, "code": "x"]], status: .badRequest)
        }
        try await upstream.run { port in
            try await withGatehouse(GatehouseConfig(models: [deployment("gpt", port: port)])) { client, _ in
                let response = try await client.post("/v1/chat/completions", chat("gpt"))
                #expect(response.status == .badRequest)
                #expect(!response.text.contains(TestKeys.upstream) && response.text.contains("[redacted]"))
                #expect(response.json?["error"]?["type"] == "bad key [redacted]")
            }
        }
    }

    /// Finding 10: bodies over the limit without a usable Content-Length answered 500 (a chunked
    /// model call, a management body, `/login`); one sent with `Connection: close` was never
    /// answered.
    @Test func oversizedBodiesAre413HoweverTheyAreSent() async throws {
        var config = GatehouseConfig.embeddedDefault
        config.server.listener.maxRequestBodyBytes = 64 * 1024
        try await withGatehouse(config) { _, port in
            let big = String(repeating: "x", count: 2 * 1024 * 1024)
            for path in ["/v1/chat/completions", "/key/generate", "/login", "/user/new"] {
                let chunked = try await RawHTTP.exchange(
                    port: port,
                    "POST \(path) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(TestKeys.master)\r\nContent-Type: application/json\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n\(String(big.utf8.count, radix: 16))\r\n\(big)\r\n0\r\n\r\n")
                #expect(chunked.hasPrefix("HTTP/1.1 413"), "\(path) chunked: \(chunked.prefix(60))")
                let closing = try await RawHTTP.exchange(
                    port: port,
                    "POST \(path) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(TestKeys.master)\r\nContent-Type: application/json\r\n"
                        + "Connection: close\r\nContent-Length: \(big.utf8.count)\r\n\r\n\(big)")
                #expect(closing.hasPrefix("HTTP/1.1 413"), "\(path) with Connection: close: \(closing.prefix(60))")
            }
        }
    }

    /// Finding 10: store constraint errors answered 500 — a new member whose email is taken, and
    /// parallel `/team/new` naming the same new member.
    @Test func racesAndTakenNamesAreAnsweredNever500() async throws {
        try await withGatehouse(.embeddedDefault) { client, _ in
            _ = try await client.post("/user/new", ["user_id": "taken", "user_email": "taken@example.com"])
            _ = try await client.post("/team/new", ["team_id": "t"])
            let taken = try await client.post("/team/member_add", ["team_id": "t", "member": ["user_id": "new", "user_email": "taken@example.com"]])
            #expect(taken.status == .badRequest)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        let body: JSONValue = ["team_id": .string("race-\(index)"), "members_with_roles": [["user_id": "racer", "role": "user"]]]
                        return try await client.post("/team/new", body).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { [.ok, .badRequest, .conflict].contains($0) }, "\(statuses)")
            #expect(statuses.contains(.ok))
        }
    }
}

/// One request written as bytes on a fresh connection, and whatever comes back before the
/// server closes it or `wait` passes.
enum RawHTTP {
    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received = Mutex(ByteBuffer())
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            received.withLock { $0.writeBuffer(&buffer) }
        }
    }

    static func exchange(port: Int, _ request: String, wait: Duration = .seconds(5)) async throws -> String {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) } }
            .connect(host: "127.0.0.1", port: port).get()
        // The server may answer and close before the whole body is written: that is fine.
        try? await channel.writeAndFlush(ByteBuffer(string: request))
        let deadline = ContinuousClock.now + wait
        while channel.isActive, ContinuousClock.now < deadline {
            if collector.received.withLock({ $0.readableBytes > 0 }) {
                try await Task.sleep(for: .milliseconds(50))
            } else {
                try await Task.sleep(for: .milliseconds(20))
            }
            if collector.received.withLock({ String(buffer: $0).contains("\r\n\r\n") }) { break }
        }
        try? await channel.close()
        return collector.received.withLock { String(buffer: $0) }
    }
}
