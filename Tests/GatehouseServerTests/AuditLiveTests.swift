import Foundation
import GatehouseCore
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Audit trail of a live gatehouse")
struct AuditLiveTests {
    /// Every record `/audit` answers for `query`, newest first.
    func records(_ client: any TestClientProtocol, _ query: String = "") async throws -> [JSONValue] {
        let answer = try await client.get("/audit?page_size=100" + query)
        #expect(answer.status == .ok, "\(answer.text)")
        return answer.json?["records"]?.arrayValue ?? []
    }

    @Test func failuresOfEveryMethodAreAuditedCountedAndLoggedWithoutTheCredential() async throws {
        let accessLog = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-access-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: accessLog) }
        var config = OAuthServerTests().config
        config.server.observability.accessLog = accessLog
        try await withGatehouse(config) { client, _ in
            let generated = try await client.post("/key/generate", ["models": ["mock-gpt"]])
            let blocked = try #require(generated.json?["key"]?.stringValue)
            let blockedID = try #require(generated.json?["token"]?.stringValue)
            #expect(try await client.post("/key/block", ["key": .string(blockedID)]).status == .ok)
            let unknown = APIKeyFormat.generate()
            let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
            let opaque = "opaque-token-0123456789abcdef"
            let attempts: [(HTTPFields, String)] = [
                ([:], "none"), (bearer(unknown), "api_key"), (bearer(blocked), "api_key"), (bearer(jwt), "jwt"), (bearer(opaque), "oauth"),
            ]
            for (headers, _) in attempts {
                #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: headers).status == .unauthorized)
            }
            // A key named in the path of a request that fails: the record has the route, not the path.
            #expect(try await client.post("/key/\(blocked)/regenerate", [:], headers: bearer(unknown)).status == .unauthorized)
            // A client secret guessed six times: six failures, one lockout.
            let registered = try await OAuthServerTests().register(client)
            let guess = OAuthServerTests.Client(id: registered.id, secret: "wrong-secret-guess")
            for _ in 0..<6 {
                _ = try await OAuthServerTests().form(client, "/oauth/token", "grant_type=client_credentials", authorization: guess.basic)
            }

            let failures = try await records(client, "&action=auth.failure")
            let methods = failures.compactMap { $0["details"]?["method"]?.stringValue }
            for (_, method) in attempts { #expect(methods.contains(method)) }
            #expect(failures.contains { $0["details"]?["route"] == "/key/{key}/regenerate" })
            #expect(methods.filter { $0 == "client_secret" }.count == 5)  // the sixth was refused by the block
            #expect(failures.allSatisfy { $0["outcome"] == "failure" && $0["address"]?.stringValue == "127.0.0.1" })
            #expect(failures.contains { $0["object"]?.stringValue == "key:" + blockedID && $0["details"]?["reason"] == "This API key is blocked." })
            #expect(failures.contains { $0["details"]?["credential"]?.stringValue == APIKeyFormat.display(unknown) })
            let lockouts = try await records(client, "&action=auth.lockout")
            #expect(lockouts.count == 1 && lockouts.first?["object"]?.stringValue == "client:" + registered.id)

            // Counted by method, outcome and reason category.
            let metrics = try await client.get("/metrics").text
            for series in [
                #"method="none",outcome="failure",reason="missing"} 1"#, #"method="api_key",outcome="failure",reason="invalid"} 2"#,
                #"method="api_key",outcome="failure",reason="blocked"} 1"#, #"method="jwt",outcome="failure",reason="invalid"} 1"#,
                #"method="oauth",outcome="failure",reason="invalid"} 1"#, #"method="client_secret",outcome="failure",reason="invalid"} 5"#,
            ] {
                #expect(metrics.contains("gatehouse_auth_attempts_total{" + series), "\(series)")
            }

            // Nothing any of these credentials could be rebuilt from is in the trail.
            let trail = JSONCoding.encodeString(.array(try await records(client)))
            for secret in [blocked, unknown, jwt, opaque, registered.secret, "wrong-secret-guess", TestKeys.master] {
                #expect(!trail.contains(secret), "the audit trail holds a credential")
            }
        }
        // Logged (written at shutdown at the latest): a 401 line per refused model request, by
        // route, without a principal.
        let lines = try String(contentsOfFile: accessLog, encoding: .utf8).split(separator: "\n").compactMap {
            try? JSONCoding.decode(Array($0.utf8))
        }
        let refused = lines.filter { $0["route"] == "/v1/chat/completions" && $0["status"] == 401 }
        #expect(refused.count == 5 && refused.allSatisfy { $0["principal"] == nil && $0["address"] == "127.0.0.1" })
        #expect(lines.contains { $0["route"] == "/oauth/token" && $0["status"] == 401 })
    }

    @Test func managementChangesAreAuditedWithBeforeAndAfterAndRefusalsToo() async throws {
        try await withGatehouse(GatehouseConfig.embeddedDefault) { client, _ in
            let generated = try await client.post(
                "/key/generate", ["models": ["mock-gpt"], "metadata": ["api_secret": "hunter2-hunter2", "team": "search"]])
            let key = try #require(generated.json?["key"]?.stringValue)
            let id = try #require(generated.json?["token"]?.stringValue)
            #expect(try await client.post("/key/update", ["key": .string(key), "max_budget": 5]).status == .ok)
            // A key that may not create users tries.
            #expect(try await client.post("/user/new", ["user_email": "x@example.com"], headers: bearer(key)).status == .forbidden)

            let trail = try await records(client)
            let created = try #require(trail.first { $0["action"] == "key.generate" })
            #expect(created["actor"] == "master" && created["object"]?.stringValue == "key:" + id && created["outcome"] == "success")
            #expect(created["details"]?["request"]?["metadata"]?["api_secret"] == "****")
            #expect(created["details"]?["request"]?["metadata"]?["team"] == "search")
            #expect(created["details"]?["changes"]?.arrayValue?.first?["created"]?["models"] == ["mock-gpt"])
            let updated = try #require(trail.first { $0["action"] == "key.update" })
            #expect(updated["details"]?["changes"]?.arrayValue?.first?["before"] == ["max_budget": .null])
            #expect(updated["details"]?["changes"]?.arrayValue?.first?["after"] == ["max_budget": 5])
            #expect(updated["details"]?["request"]?["key"]?.stringValue == APIKeyFormat.display(key))
            let refused = try #require(trail.first { $0["action"] == "user.new" })
            #expect(refused["outcome"] == "denied" && refused["actor"]?.stringValue == id)
            #expect(!JSONCoding.encodeString(.array(trail)).contains(key) && !JSONCoding.encodeString(.array(trail)).contains("hunter2"))

            // Filters and paging; only admins and viewers read the trail.
            let page = try await client.get("/audit?page_size=1&page=2&actor=master")
            #expect(page.json?["records"]?.arrayValue?.count == 1 && page.json?["total"] == 2 && page.json?["total_pages"] == 2)
            #expect(try await client.get("/audit?outcome=maybe").status == .badRequest)
            #expect(try await client.get("/audit", headers: bearer(key)).status == .forbidden)
        }
    }

    /// Issue 19, point 4: `/team/member_add` and `/team/member_delete` were recorded with empty
    /// `changes`, contrary to docs/audit.md.
    @Test func membershipChangesAreAuditedWithBeforeAndAfter() async throws {
        try await withGatehouse(.embeddedDefault) { client, _ in
            _ = try await client.post("/team/new", ["team_id": "t"])
            #expect(try await client.post("/team/member_add", ["team_id": "t", "member": ["user_id": "ann", "role": "admin"]]).status == .ok)
            #expect(try await client.post("/team/member_delete", ["team_id": "t", "user_id": "ann"]).status == .ok)
            let added = try #require(try await records(client, "&action=team.member_add").first)
            let teamChange = try #require(added["details"]?["changes"]?.arrayValue?.first { $0["object"] == "team:t" })
            #expect(teamChange["before"]?["admins"] == [] && teamChange["after"]?["admins"] == ["ann"])
            #expect(added["details"]?["changes"]?.arrayValue?.contains { $0["object"] == "user:ann" && $0["created"] != nil } == true)
            let removed = try #require(try await records(client, "&action=team.member_delete").first)
            let removal = removed["details"]?["changes"]?.arrayValue?.first
            #expect(removed["object"] == "team:t" && removal?["before"]?["members"] == ["ann"] && removal?["after"]?["members"] == [])
        }
    }

    @Test func recordsAreStreamedAsJSONLinesToAFile() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-audit-\(UUID().uuidString).jsonl").path
        var config = GatehouseConfig.embeddedDefault
        config.server.audit.streams = [file]
        config.server.audit.flushIntervalSeconds = 0.05
        try await withGatehouse(config) { client, _ async throws in
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer("sk-nope")).status == .unauthorized)
            #expect(try await client.post("/key/generate", ["models": ["mock-gpt"]]).status == .ok)
            var lines: [JSONValue] = []
            _ = await eventually {
                let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
                lines = text.split(separator: "\n").compactMap { try? JSONCoding.decode(Array($0.utf8)) }
                return lines.count >= 2
            }
            #expect(lines.map { $0["action"]?.stringValue } == ["auth.failure", "key.generate"])
            #expect(lines.allSatisfy { $0["type"] == "audit" && $0["hash"]?.stringValue?.count == 64 })
            #expect(lines.last?["previous_hash"] == lines.first?["hash"])
        }
    }
}
