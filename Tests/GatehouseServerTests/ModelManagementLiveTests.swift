import Foundation
import GatehouseCore
import GatehouseStore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// `/model/new`, `/model/update`, `/model/delete`: models kept in the database beside the
/// configuration's, their upstream keys sealed and never shown.
@Suite("Models managed through the API, live")
struct ModelManagementLiveTests {
    static let upstreamKey = "sk-upstream-stored-secret-0123456789"

    static let newModel: JSONValue = [
        "model_name": "stored-gpt",
        "litellm_params": ["model": "mock/stored", "api_key": .string(upstreamKey), "mock_response": "from the database"],
        "model_info": ["id": "stored-1", "access_groups": ["beta"]],
    ]

    func ask(_ client: some TestClientProtocol, _ model: String) async throws -> TestResponse {
        try await client.post("/v1/chat/completions", chat(model))
    }

    @Test func aModelIsAddedChangedAndDeletedWithoutItsKeyEverShown() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-models-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let logger = Logger(label: "models")
        let store = try await StoreConnection.open(databaseURL: nil, dataDirectory: directory, logger: logger)
        try await withGatehouse(.embeddedDefault, store: store) { client, _ in
            let created = try await client.post("/model/new", Self.newModel)
            #expect(created.status == .ok && created.json?["model_id"] == "stored-1")
            let answer = try await ask(client, "stored-gpt")
            #expect(answer.json?["choices"]?.arrayValue?.first?["message"]?["content"] == "from the database")

            let info = try await client.get("/model/info?litellm_model_id=stored-1")
            #expect(info.json?["data"]?.arrayValue?.first?["model_info"]?["db_model"] == true)
            #expect(try await client.get("/v1/models").json?["data"]?.arrayValue?.contains { $0["id"] == "stored-gpt" } == true)

            let updated = try await client.post("/model/update", ["id": "stored-1", "litellm_params": ["mock_response": "changed"]])
            #expect(updated.status == .ok)
            #expect(try await ask(client, "stored-gpt").json?["choices"]?.arrayValue?.first?["message"]?["content"] == "changed")
            let renamed = try await client.send(.patch, "/model/stored-1/update", ["model_name": "renamed-gpt"])
            #expect(renamed.status == .ok)
            #expect(try await ask(client, "stored-gpt").status == .notFound)
            #expect(try await ask(client, "renamed-gpt").status == .ok)

            // The key is nowhere: not in answers, not in the audit trail, not in the stored row.
            var seen = [created.text, info.text, updated.text, renamed.text]
            seen.append(try await client.get("/v2/model/info").text)
            seen.append(try await client.get("/audit?action=model.new").text)
            seen.append(try await client.get("/audit?action=model.update").text)
            #expect(!seen.contains { $0.contains(Self.upstreamKey) })
            let row = try #require(try await IdentityStore(source: store.source).models.model(id: "stored-1"))
            #expect(!JSONCoding.encodeString(row.entry).contains(Self.upstreamKey))
            #expect(row.sealedSecrets?.hasPrefix("v1:") == true && row.sealedSecrets?.contains(Self.upstreamKey) == false)

            #expect(try await client.post("/model/delete", ["id": "stored-1"]).status == .ok)
            #expect(try await ask(client, "renamed-gpt").status == .notFound)
            #expect(try await client.post("/model/delete", ["id": "stored-1"]).status == .notFound)
        }
    }

    @Test func storedModelsSurviveARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-models-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let logger = Logger(label: "models")
        let first = try await StoreConnection.open(databaseURL: nil, dataDirectory: directory, logger: logger)
        try await withGatehouse(.embeddedDefault, store: first) { client, _ async throws in
            #expect(try await client.post("/model/new", Self.newModel).status == .ok)
        }
        let second = try await StoreConnection.open(databaseURL: nil, dataDirectory: directory, logger: logger)
        try await withGatehouse(.embeddedDefault, store: second) { client, _ async throws in
            #expect(try await ask(client, "stored-gpt").status == .ok)
        }
    }

    @Test func aTeamsModelIsReachedByThatTeamAlone() async throws {
        try await withGatehouse(.embeddedDefault) { client, _ in
            for team in ["search", "other"] { _ = try await client.post("/team/new", ["team_id": .string(team)]) }
            let ours = try #require(try await client.post("/key/generate", ["team_id": "search"]).json?["key"]?.stringValue)
            let theirs = try #require(try await client.post("/key/generate", ["team_id": "other"]).json?["key"]?.stringValue)
            let personal = try #require(try await client.post("/key/generate", [:]).json?["key"]?.stringValue)
            let created = try await client.post(
                "/model/new",
                [
                    "model_name": "private-gpt", "litellm_params": ["model": "mock/private", "mock_response": "ours"],
                    "model_info": ["team_id": "search"],
                ])
            #expect(created.status == .ok && created.json?["model_name"] == "team/search/private-gpt")
            #expect(
                try await client.get("/team/info?team_id=search").json?["team_info"]?["model_aliases"]?["private-gpt"] == "team/search/private-gpt")

            let answer = try await client.post("/v1/chat/completions", chat("private-gpt"), headers: bearer(ours))
            #expect(answer.json?["choices"]?.arrayValue?.first?["message"]?["content"] == "ours")
            let listed =
                try await client.get("/v1/models", headers: bearer(ours)).json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            #expect(listed.contains("private-gpt") && !listed.contains("team/search/private-gpt"))
            // To every other caller it does not exist, by either name.
            for key in [theirs, personal] {
                for name in ["private-gpt", "team/search/private-gpt"] {
                    #expect(try await client.post("/v1/chat/completions", chat(name), headers: bearer(key)).status == .notFound, "\(name)")
                }
                #expect(try await client.get("/model/info", headers: bearer(key)).text.contains("private") == false)
                #expect(try await client.get("/v1/models", headers: bearer(key)).text.contains("private") == false)
            }
            #expect(try await client.post("/v1/chat/completions", chat("team/search/private-gpt")).status == .ok)

            let id = try #require(created.json?["model_id"]?.stringValue)
            #expect(try await client.post("/model/update", ["id": .string(id), "model_name": "renamed"]).status == .badRequest)
            #expect(try await client.post("/model/delete", ["id": .string(id)]).status == .ok)
            #expect(try await client.get("/team/info?team_id=search").json?["team_info"]?["model_aliases"] == [:])
            #expect(try await client.post("/v1/chat/completions", chat("private-gpt"), headers: bearer(ours)).status == .notFound)
        }
    }

    @Test func onlyProxyAdminsManageModelsAndTheFilesModelsStayTheFiles() async throws {
        try await withGatehouse(.embeddedDefault) { client, _ in
            let key = try #require(try await client.post("/key/generate", [:]).json?["key"]?.stringValue)
            #expect(try await client.post("/model/new", Self.newModel, headers: bearer(key)).status == .forbidden)
            _ = try await client.post("/model/new", Self.newModel)
            #expect(try await client.post("/model/delete", ["id": "stored-1"], headers: bearer(key)).status == .forbidden)
            #expect(try await client.post("/model/update", ["id": "stored-1", "model_name": "x"], headers: bearer(key)).status == .forbidden)

            let configured = try #require(try await client.get("/model/info").json?["data"]?.arrayValue?.first { $0["model_name"] == "mock-gpt" })
            let configuredID = try #require(configured["model_info"]?["id"]?.stringValue)
            #expect(try await client.post("/model/delete", ["id": .string(configuredID)]).status == .badRequest)
            #expect(try await client.post("/model/update", ["id": .string(configuredID), "model_name": "x"]).status == .badRequest)
            var clash = Self.newModel
            clash["model_info"] = ["id": .string(configuredID)]
            #expect(try await client.post("/model/new", clash).status == .badRequest)
            #expect(try await client.post("/model/new", Self.newModel).status == .badRequest)
        }
    }

    @Test func badModelsAreRefusedClearly() async throws {
        try await withGatehouse(.embeddedDefault) { client, _ in
            let cases: [(JSONValue, String)] = [
                (["model_name": "x"], "litellm_params"),
                (["model_name": "x", "litellm_params": ["model": "openai/gpt-4o", "api_key": "os.environ/HOME"]], "litellm_params"),
                (["model_name": "x", "litellm_params": ["model": "openai/gpt-4o", "api_bse": "http://x"]], "litellm_params"),
                (["model_name": "x", "litellm_params": ["model": "openai/gpt-4o", "api_base": "file:///etc/passwd"]], "litellm_params"),
                (["model_name": "x", "litellm_params": ["model": "azure/gpt-4o", "api_base": "https://a.example"]], "litellm_params"),
                (["litellm_params": ["model": "openai/gpt-4o"]], "model_name"),
                (["model_name": "x", "litellm_params": ["model": "mock/x"], "model_info": ["team_id": "nobody"]], "team_id"),
            ]
            for (body, param) in cases {
                let answer = try await client.post("/model/new", body)
                #expect(answer.status.code >= 400 && answer.status.code < 500, "\(body)")
                #expect(answer.json?["error"]?["param"]?.stringValue == param, "\(body): \(answer.text)")
            }
            #expect(try await client.get("/model/info").json?["data"]?.arrayValue?.count == 1)
        }
    }
}
