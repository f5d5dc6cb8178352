import AsyncHTTPClient
import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Testing

@Suite("Budgets and spend, live")
struct BudgetLiveTests {
    /// `priced`: input free, output $0.001 a token; the mock always uses 7 + 10 tokens, so a
    /// request with `max_tokens: 10` costs exactly its worst case, $0.01.
    static func config(latencyMs: Int = 0, reportsUsage: Bool = true, chunkDelayMs: Int = 0) -> GatehouseConfig {
        var priced = Deployment.mock(modelName: "priced", latencyMs: latencyMs)
        priced.inputCostPerToken = 0
        priced.outputCostPerToken = 0.001
        priced.mock.promptTokens = 7
        priced.mock.completionTokens = 10
        priced.mock.reportsUsage = reportsUsage
        priced.mock.chunkDelayMs = chunkDelayMs
        priced.mock.streamChunks = 20
        var config = GatehouseConfig(models: [priced])
        config.server.metering.spendFlushIntervalSeconds = 0.05
        return config
    }

    static func request(stream: Bool? = nil) -> JSONValue {
        var body = chat("priced", stream: stream)
        body["max_tokens"] = 10
        return body
    }

    @Test func fiftyConcurrentRequestsAgainstABudgetThatAffordsThree() async throws {
        try await withGatehouse(Self.config(latencyMs: 200)) { client, port in
            let created = try await client.post("/key/generate", ["max_budget": 0.03])
            let key = try #require(created.json?["key"]?.stringValue)
            let statuses = try await concurrently(50, port: port, key: key, body: Self.request()).map(\.0)
            #expect(statuses.filter { $0 == 200 }.count == 3)
            #expect(statuses.filter { $0 == 400 }.count == 47)
            let refused = try await client.post("/v1/chat/completions", Self.request(), headers: bearer(key))
            #expect(refused.status == .badRequest && refused.json?["error"]?["type"] == "budget_exceeded")
            #expect(
                refused.json?["error"]?["message"]
                    == "Budget has been exceeded! Key=key Current cost: 0.03, Max budget: 0.03. Nothing remains of this budget.")
            let id = try #require(created.json?["token"]?.stringValue)
            let info = try await client.get("/key/info?key=\(id)")
            #expect(info.json?["info"]?["spend"] == 0.03)
        }
    }

    @Test func aTeamBudgetIsSharedAndSpendReachesEveryLevel() async throws {
        try await withGatehouse(Self.config()) { client, _ in
            _ = try await client.post("/organization/new", ["organization_id": "org", "organization_alias": "Org"])
            _ = try await client.post("/team/new", ["team_id": "t", "organization_id": "org", "max_budget": 0.05])
            _ = try await client.post("/user/new", ["user_id": "u"])
            let first = try #require(try await client.post("/key/generate", ["team_id": "t", "user_id": "u"]).json?["key"]?.stringValue)
            let second = try #require(try await client.post("/key/generate", ["team_id": "t"]).json?["key"]?.stringValue)
            var statuses: [HTTPResponse.Status] = []
            for index in 0..<8 {
                statuses.append(
                    try await client.post("/v1/chat/completions", Self.request(), headers: bearer(index % 2 == 0 ? first : second)).status)
            }
            #expect(statuses == Array(repeating: .ok, count: 5) + Array(repeating: .badRequest, count: 3))
            #expect(try await client.get("/team/info?team_id=t").json?["team_info"]?["spend"] == 0.05)
            #expect(try await client.get("/user/info?user_id=u").json?["user_info"]?["spend"] == 0.03)
            #expect(try await client.post("/organization/info", ["organization_id": "org"]).json?["spend"] == 0.05)
            let global = try await client.get("/global/spend")
            #expect(global.json?["spend_exact"] == "0.05")
            let byTeam = try await client.get("/global/spend/teams")
            #expect(byTeam.json?.arrayValue?.first?["team_id"] == "t" && byTeam.json?.arrayValue?.first?["requests"] == 5)
        }
    }

    @Test func spendOfManyRequestsIsExactlyTheirNumberTimesThePrice() async throws {
        try await withGatehouse(Self.config()) { client, _ in
            let created = try await client.post("/key/generate", [:])
            let key = try #require(created.json?["key"]?.stringValue)
            let id = try #require(created.json?["token"]?.stringValue)
            var body = chat("priced")
            body["max_tokens"] = 10
            for _ in 0..<137 {
                let answer = try await client.post("/v1/chat/completions", body, headers: bearer(key))
                #expect(answer.headers[HTTPField.Name("x-gatehouse-response-cost")!] == "0.01")
            }
            #expect(try await client.get("/global/spend").json?["spend_exact"] == "1.37")
            let logs = try await client.get("/spend/logs?api_key=\(id)&limit=1000")
            #expect(logs.json?.arrayValue?.count == 137)
            #expect(logs.json?.arrayValue?.first?["spend_exact"] == "0.01" && logs.json?.arrayValue?.first?["completion_tokens"] == 10)
            #expect(try await client.get("/key/info?key=\(id)").json?["info"]?["spend"] == 1.37)
        }
    }

    @Test func streamsAreBilledWhenCompleteAbandonedOrWithoutUsage() async throws {
        // The upstream reports no usage: Gatehouse bills its estimate (the completion at its maximum).
        try await withGatehouse(Self.config(reportsUsage: false)) { client, _ in
            let created = try await client.post("/key/generate", [:])
            let key = try #require(created.json?["key"]?.stringValue)
            let streamed = try await client.post("/v1/chat/completions", Self.request(stream: true), headers: bearer(key))
            #expect(streamed.status == .ok && streamed.events.count > 2)
            let requestID = try #require(streamed.headers[HTTPField.Name("x-gatehouse-request-id")!])
            let row = try await waitForSpendRow(client, requestID: requestID)
            #expect(row["usage_estimated"] == true && row["completion_tokens"] == 10 && row["spend_exact"] == "0.01")
        }
        // A client that leaves mid-stream is billed too.
        try await withGatehouse(Self.config(chunkDelayMs: 100)) { client, port in
            let created = try await client.post("/key/generate", [:])
            let key = try #require(created.json?["key"]?.stringValue)
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            let reader = Task {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/chat/completions")
                request.method = .POST
                request.headers.add(name: "authorization", value: "Bearer \(key)")
                request.body = .bytes(ByteBuffer(bytes: JSONCoding.encode(Self.request(stream: true))))
                let response = try await http.execute(request, timeout: .seconds(10))
                var iterator = response.body.makeAsyncIterator()
                _ = try await iterator.next()
                try await Task.sleep(for: .seconds(30))
            }
            try await Task.sleep(for: .milliseconds(300))
            reader.cancel()
            _ = await reader.result
            try await http.shutdown()
            var rows: [JSONValue] = []
            _ = try await eventually {
                rows = try await client.get("/spend/logs").json?.arrayValue ?? []
                return !rows.isEmpty
            }
            #expect(rows.count == 1 && rows.first?["spend_exact"] == "0.01" && rows.first?["stream"] == true)
        }
    }

    @Test func aFallenBackRequestIsBilledOnce() async throws {
        var config = Self.config()
        // Nothing listens on port 9: every attempt at `broken` fails and the request falls back.
        var broken = Deployment(id: "broken", modelName: "broken", provider: .openai, upstreamModel: "x")
        broken.apiBase = "http://127.0.0.1:9/v1"
        broken.apiKey = "sk-unused"
        config.models.append(broken)
        config.router.fallbacks = ["broken": ["priced"]]
        try await withGatehouse(config) { client, _ in
            var body = Self.request()
            body["model"] = "broken"
            let answer = try await client.post("/v1/chat/completions", body)
            #expect(answer.status == .ok)
            let rows = try await client.get("/spend/logs").json?.arrayValue ?? []
            #expect(rows.count == 1 && rows.first?["model_id"] == "mock-priced" && rows.first?["spend_exact"] == "0.01")
        }
    }

    @Test func tokenLimitsReserveAndReportTokens() async throws {
        try await withGatehouse(Self.config()) { client, _ in
            let created = try await client.post("/key/generate", ["tpm_limit": 1000])
            let key = try #require(created.json?["key"]?.stringValue)
            var body = Self.request()
            body["max_tokens"] = 400
            let first = try await client.post("/v1/chat/completions", body, headers: bearer(key))
            #expect(first.headers[HTTPField.Name("x-ratelimit-limit-tokens")!] == "1000")
            // Reserved at admission: the body's bytes / 4 plus 400. Settled: the 17 tokens used.
            let remaining = try #require(first.headers[HTTPField.Name("x-ratelimit-remaining-tokens")!].flatMap { Int($0) })
            #expect(remaining < 600)
            let second = try await client.post("/v1/chat/completions", body, headers: bearer(key))
            #expect(second.status == .ok)
            #expect(second.headers[HTTPField.Name("x-ratelimit-remaining-tokens")!] == String(remaining - 17))
            body["max_tokens"] = 2000
            let tooLarge = try await client.post("/v1/chat/completions", body, headers: bearer(key))
            #expect(tooLarge.status == .tooManyRequests && tooLarge.headers[.retryAfter] == "60")
            #expect(tooLarge.json?["error"]?["message"]?.stringValue?.contains("lower `max_tokens`") == true)
        }
    }

    @Test func aSoftBudgetAlertsTheWebhookOnce() async throws {
        let webhook = RecordingUpstream { _, _ in Response(status: .ok) }
        try await webhook.run { hookPort in
            var config = Self.config()
            config.server.metering.alertWebhookURL = "http://127.0.0.1:\(hookPort)/alerts"
            try await withGatehouse(config) { client, _ in
                let created = try await client.post("/key/generate", ["soft_budget": 0.02, "key_alias": "watched"])
                let key = try #require(created.json?["key"]?.stringValue)
                let id = try #require(created.json?["token"]?.stringValue)
                for _ in 0..<5 { _ = try await client.post("/v1/chat/completions", Self.request(), headers: bearer(key)) }
                _ = await eventually { !webhook.requests.isEmpty }
                try await Task.sleep(for: .milliseconds(200))
                #expect(webhook.requests.count == 1)
                let alert = webhook.requests.first?.body?["alert"]
                #expect(alert?["event"] == "soft_budget_crossed" && alert?["id"] == .string(id) && alert?["spend"] == "0.02")
            }
        }
    }

    @Test func anEndUsersBudgetIsCountedPerCredential() async throws {
        var config = Self.config()
        config.server.metering.endUserLimits.maxBudget = 0.02
        try await withGatehouse(config) { client, _ in
            let first = try #require(try await client.post("/key/generate", [:]).json?["key"]?.stringValue)
            let second = try #require(try await client.post("/key/generate", [:]).json?["key"]?.stringValue)
            func ask(_ key: String, as user: String) async throws -> HTTPResponse.Status {
                var body = Self.request()
                body["user"] = .string(user)
                return try await client.post("/v1/chat/completions", body, headers: bearer(key)).status
            }
            #expect(try await ask(first, as: "alice") == .ok)
            #expect(try await ask(first, as: "alice") == .ok)
            #expect(try await ask(first, as: "alice") == .badRequest)
            #expect(try await ask(first, as: "bob") == .ok)
            #expect(try await ask(second, as: "alice") == .ok)
        }
    }

    @Test func spendIsReadByAdminsAndViewersAndOwnRowsByEveryoneElse() async throws {
        try await withGatehouse(Self.config()) { client, _ in
            _ = try await client.post("/user/new", ["user_id": "ann"])
            _ = try await client.post("/user/new", ["user_id": "vic", "user_role": "proxy_admin_viewer"])
            let ann = try #require(try await client.post("/key/generate", ["user_id": "ann"]).json?["key"]?.stringValue)
            let vic = try #require(try await client.post("/key/generate", ["user_id": "vic"]).json?["key"]?.stringValue)
            let other = try #require(try await client.post("/key/generate", [:]).json?["key"]?.stringValue)
            for key in [ann, other, other] { _ = try await client.post("/v1/chat/completions", Self.request(), headers: bearer(key)) }
            // Ann sees her one row, whatever she asks for; not the global figures.
            let own = try await client.get("/spend/logs", headers: bearer(ann)).json?.arrayValue ?? []
            #expect(own.count == 1 && own.allSatisfy { $0["user"] == "ann" })
            #expect(
                try await client.get("/spend/logs?user_id=vic", headers: bearer(ann)).json?.arrayValue?.allSatisfy { $0["user"] == "ann" } == true)
            #expect(try await client.get("/global/spend", headers: bearer(ann)).status == .forbidden)
            // A viewer reads everything.
            #expect(try await client.get("/spend/logs", headers: bearer(vic)).json?.arrayValue?.count == 3)
            #expect(try await client.get("/global/spend", headers: bearer(vic)).json?["spend_exact"] == "0.03")
        }
    }

    func waitForSpendRow(_ client: some TestClientProtocol, requestID: String) async throws -> JSONValue {
        var row: JSONValue?
        _ = try await eventually {
            row = try await client.get("/spend/logs?request_id=\(requestID)").json?.arrayValue?.first
            return row != nil
        }
        guard let row else { throw GatewayError.invalidRequest("no spend row for \(requestID)") }
        return row
    }
}
