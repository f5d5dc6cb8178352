import Foundation
import GatehouseCore
import GatehouseStore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import GatehouseServer

/// The device authorization grant's edges that a client-side test cannot reach in time: an
/// expired code, a code already decided, who may use the grant at all.
@Suite("Device flow, live")
struct DeviceFlowLiveTests {
    func form(_ client: some TestClientProtocol, _ path: String, _ body: String, authorization: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let authorization { headers[.authorization] = authorization }
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body)) { $0 }
    }

    @Test func anExpiredOrDecidedCodeGetsNoToken() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-device-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try await StoreConnection.open(databaseURL: nil, dataDirectory: directory, logger: Logger(label: "device"))
        try await withGatehouse(.embeddedDefault, store: store) { client, _ in
            let people = IdentityStore(source: store.source).people
            let past = Date() - 3600
            try await people.insert(
                DeviceAuthorization(
                    id: APIKeyFormat.hash("ghd_expired"), userCode: "BBBBCCCC", clientID: OAuthClient.commandLine, scope: "", interval: 5,
                    expiresAt: past + 600, createdAt: past))
            let grant = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&client_id=gatehouse-cli"
            let expired = try await form(client, "/oauth/token", grant + "&device_code=ghd_expired")
            #expect(expired.status == .badRequest && expired.json?["error"] == "expired_token")
            // An expired code cannot be approved after the fact either.
            #expect(try await people.decide(id: APIKeyFormat.hash("ghd_expired"), approved: true, userID: "dana", at: Date()) == false)
            let unknown = try await form(client, "/oauth/token", grant + "&device_code=ghd_nothing")
            #expect(unknown.json?["error"] == "invalid_grant")

            // A decision is made once: approving a denied code changes nothing.
            let started = try await form(client, "/oauth/device_authorization", "client_id=gatehouse-cli")
            let code = try #require(started.json?["user_code"]?.stringValue.flatMap(UserCode.normalized))
            let device = try #require(try await people.device(userCode: code))
            #expect(try await people.decide(id: device.id, approved: false, userID: "dana", at: Date()))
            #expect(try await people.decide(id: device.id, approved: true, userID: "mallory", at: Date()) == false)
            #expect(try await people.device(id: device.id)?.userID == "dana")
        }
    }

    @Test func onlyThePublicCommandLineClientRunsTheDeviceFlow() async throws {
        try await withGatehouse(.embeddedDefault) { client, _ in
            let created = try await client.post("/oauth/client/new", ["scopes": ["chat"]])
            let id = try #require(created.json?["client_id"]?.stringValue)
            let secret = try #require(created.json?["client_secret"]?.stringValue)
            let basic = "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString()
            #expect(try await form(client, "/oauth/device_authorization", "", authorization: basic).json?["error"] == "unauthorized_client")
            let refresh = try await form(client, "/oauth/token", "grant_type=refresh_token&refresh_token=ghr_x", authorization: basic)
            #expect(refresh.json?["error"] == "unauthorized_client")
            // The public client may not take a client's grant, nor introspect.
            let credentials = try await form(client, "/oauth/token", "grant_type=client_credentials&client_id=gatehouse-cli")
            #expect(credentials.json?["error"] == "unauthorized_client")
            #expect(try await form(client, "/oauth/introspect", "token=x&client_id=gatehouse-cli").status == .unauthorized)
            // A public client with a secret is not the public client: authentication fails.
            #expect(try await form(client, "/oauth/device_authorization", "client_id=gatehouse-cli&client_secret=x").status == .unauthorized)
        }
    }

    @Test func oneAddressCannotTakeThePendingSignInsForItself() async throws {
        try await withGatehouse(.embeddedDefault) { client, _ in
            for _ in 0..<OAuthServerRoutes.deviceStartsPerAddress {
                #expect(try await form(client, "/oauth/device_authorization", "client_id=gatehouse-cli").status == .ok)
            }
            let refused = try await form(client, "/oauth/device_authorization", "client_id=gatehouse-cli")
            #expect(refused.status == .tooManyRequests && refused.json?["error"] == "slow_down")
        }
    }

    @Test func anAddressQuotaCountsPerAddressAndForgetsPastWindows() {
        let quota = AddressQuota(limit: 2, window: 60, maxAddresses: 2)
        let start = Date()
        #expect(quota.take("a", at: start) && quota.take("a", at: start))
        #expect(!quota.take("a", at: start + 1), "a third within the window")
        #expect(quota.take("b", at: start + 1), "another address has its own")
        #expect(!quota.take("c", at: start + 2), "no room for a third address while both windows run")
        #expect(quota.take("a", at: start + 61) && quota.take("c", at: start + 62), "windows pass")
    }
}
