import Foundation
import GatehouseCore
import HTTPTypes
import HummingbirdTesting
import Testing

/// Issue 19, point 4: a changing management route answers with what it changed, and its audit
/// record is made from that — so no route can change a record and leave `changes` empty (as
/// `/team/member_add`, `/certificate/bind` and `/oauth/client/regenerate_secret` once did).
@Suite("Management changes")
struct ManagementChangesTests {
    @Test func everyChangingRouteRecordsWhatItChanged() async throws {
        try await withGatehouse(.embeddedDefault) { client, _ in
            func call(_ path: String, _ body: JSONValue) async throws -> JSONValue? {
                let answer = try await client.post(path, body)
                #expect(answer.status == .ok, "\(path): \(answer.text)")
                return answer.json
            }
            let org = "org"
            _ = try await call("/organization/new", ["organization_id": .string(org), "organization_alias": "Org"])
            _ = try await call("/organization/update", ["organization_id": .string(org), "max_budget": 10])
            _ = try await call("/team/new", ["team_id": "t", "organization_id": .string(org)])
            _ = try await call("/team/update", ["team_id": "t", "team_alias": "The team"])
            _ = try await call("/team/member_add", ["team_id": "t", "member": ["user_id": "ann", "role": "user"]])
            _ = try await call("/team/member_update", ["team_id": "t", "user_id": "ann", "max_budget_in_team": 1])
            _ = try await call("/team/model/add", ["team_id": "t", "models": ["mock-gpt", "other"]])
            _ = try await call("/team/model/delete", ["team_id": "t", "models": ["other"]])
            _ = try await call("/team/member_delete", ["team_id": "t", "user_id": "ann"])
            _ = try await call("/team/block", ["team_id": "t"])
            _ = try await call("/team/unblock", ["team_id": "t"])
            _ = try await call("/user/new", ["user_id": "bob", "auto_create_key": false])
            _ = try await call("/user/update", ["user_id": "bob", "password": "a long enough password 1"])
            let key = try #require(try await call("/key/generate", ["user_id": "bob"])?["token"]?.stringValue)
            _ = try await call("/key/update", ["key": .string(key), "key_alias": "renamed"])
            _ = try await call("/key/block", ["key": .string(key)])
            _ = try await call("/key/unblock", ["key": .string(key)])
            _ = try await call("/key/regenerate", ["key": .string(key)])
            _ = try await call("/certificate/bind", ["identity": "fingerprint:ab12", "key_id": .string(key)])
            _ = try await call("/certificate/unbind", ["identities": ["fingerprint:ab12"]])
            let clientID = try #require(try await call("/oauth/client/new", ["name": "ci"])?["client_id"]?.stringValue)
            _ = try await call("/oauth/client/update", ["client_id": .string(clientID), "name": "ci-2"])
            _ = try await call("/oauth/client/regenerate_secret", ["client_id": .string(clientID)])
            _ = try await call("/oauth/client/delete", ["client_ids": [.string(clientID)]])
            _ = try await call("/oauth/keys/rotate", [:])
            _ = try await call("/key/delete", ["keys": [.string(key)]])
            _ = try await call("/user/delete", ["user_ids": ["bob", "ann"]])
            _ = try await call("/team/delete", ["team_ids": ["t"]])
            _ = try await call("/organization/delete", ["organization_ids": [.string(org)]])

            let records = try #require(try await client.get("/audit?page_size=100&outcome=success").json?["records"]?.arrayValue)
            let management = records.filter { !($0["action"]?.stringValue ?? "").hasPrefix("auth.") }
            #expect(management.count == 29)
            for record in management {
                let changes = record["details"]?["changes"]?.arrayValue ?? []
                #expect(!changes.isEmpty, "\(record["action"] ?? .null) recorded no change")
                #expect(record["object"] == changes.first?["object"], "\(record["action"] ?? .null)")
            }
            let member = management.first { $0["action"] == "team.member_update" }?["details"]?["changes"]?.arrayValue?.first
            let memberAfter = JSONCoding.encodeString(member?["after"] ?? .null)
            #expect(memberAfter.contains("max_budget_in_team"))
            let rotated = management.first { $0["action"] == "oauth.client.regenerate_secret" }
            #expect(rotated?["details"]?["changes"]?.arrayValue?.first?["after"]?["secret_regenerated"] == true)
            let bound = management.first { $0["action"] == "certificate.bind" }
            #expect(
                bound?["object"] == "certificate:fingerprint:ab12" && bound?["details"]?["changes"]?.arrayValue?.first?["created"]?["key_id"] != nil)
            // Nothing secret in any of them: the password, the new key and the new client secret.
            let text = JSONCoding.encodeString(.array(management))
            #expect(!text.contains("a long enough password") && !text.contains("ghs_"))
        }
    }
}
