import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// LiteLLM's model information routes: what each caller may see of the deployments, and never an
/// upstream's key.
@Suite("Model information routes")
struct ModelInfoLiveTests {
    static var config: GatehouseConfig {
        var east = deployment("gpt", port: 9, id: "gpt-east")
        east.accessGroups = ["beta"]
        east.inputCostPerToken = 0.000002
        east.outputCostPerToken = 0.000008
        east.rpm = 100
        east.extraHeaders = ["OpenAI-Organization": "org-secret-header-value"]
        east.info = ["tier": "gold"]
        var west = deployment("gpt", port: 10, id: "gpt-west")
        west.rpm = 50
        west.requestDefaults = ["temperature": 0.5]
        var any = deployment("*", port: 11, id: "anything")
        any.upstreamModel = "*"
        return GatehouseConfig(models: [east, west, any])
    }

    @Test func anAdminSeesEveryDeploymentButNoSecret() async throws {
        try await withGatehouse(Self.config) { client, _ in
            let info = try await client.get("/model/info")
            #expect(info.status == .ok)
            let data = try #require(info.json?["data"]?.arrayValue)
            #expect(data.compactMap { $0["model_info"]?["id"]?.stringValue }.sorted() == ["anything", "gpt-east", "gpt-west"])
            let east = try #require(data.first { $0["model_info"]?["id"] == "gpt-east" })
            #expect(east["model_name"] == "gpt" && east["litellm_params"]?["model"] == "openai/up-gpt")
            #expect(east["litellm_params"]?["api_base"] == "http://127.0.0.1:9/v1" && east["litellm_params"]?["rpm"] == 100)
            #expect(east["model_info"]?["access_groups"] == ["beta"] && east["model_info"]?["tier"] == "gold")
            #expect(east["model_info"]?["input_cost_per_token"]?.doubleValue == 0.000002 && east["model_info"]?["db_model"] == false)
            #expect(!info.text.contains(TestKeys.upstream) && !info.text.contains("org-secret-header-value"))
            #expect(
                try await client.get("/v1/model/info?litellm_model_id=gpt-west").json?["data"]?.arrayValue?.first?["litellm_params"]?["temperature"]
                    == 0.5)
        }
    }

    @Test func aKeySeesOnlyItsModelsAndNoAddresses() async throws {
        try await withGatehouse(Self.config) { client, _ in
            let key = try #require(try await client.post("/key/generate", ["models": ["gpt"]]).json?["key"]?.stringValue)
            let info = try await client.get("/model/info", headers: bearer(key))
            let data = try #require(info.json?["data"]?.arrayValue)
            #expect(data.count == 2 && data.allSatisfy { $0["model_name"] == "gpt" && $0["litellm_params"]?["api_base"] == nil })
            let hidden = try await client.get("/model/info?litellm_model_id=anything", headers: bearer(key))
            #expect(hidden.status == .badRequest && hidden.json?["error"]?["message"] == "Model id = anything not found on litellm proxy")
            let groups = try await client.get("/models?only_model_access_groups=true", headers: bearer(key))
            #expect(groups.json?["data"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func version2FiltersAndPages() async throws {
        try await withGatehouse(Self.config) { client, _ in
            let page = try await client.get("/v2/model/info?model=gpt&page=2&size=1")
            #expect(page.json?["total_count"] == 2 && page.json?["total_pages"] == 2 && page.json?["current_page"] == 2)
            #expect(page.json?["data"]?.arrayValue?.count == 1)
            let wildcards = try await client.get("/v2/model/info?wildcard_only=true")
            #expect(wildcards.json?["data"]?.arrayValue?.first?["model_name"] == "*" && wildcards.json?["total_count"] == 1)
            #expect(try await client.get("/v2/model/info?access_group=beta").json?["total_count"] == 1)
            #expect(try await client.get("/v2/model/info?page=99999999999999999999").status == .ok)
        }
    }

    @Test func modelGroupsSumTheirDeployments() async throws {
        try await withGatehouse(Self.config) { client, _ in
            let info = try await client.get("/model_group/info?model_group=gpt")
            let group = try #require(info.json?["data"]?.arrayValue?.first)
            #expect(group["model_group"] == "gpt" && group["providers"] == ["openai"] && group["rpm"] == 150 && group["tpm"] == .null)
            #expect(group["access_groups"] == ["beta"] && group["output_cost_per_token"]?.doubleValue == 0.000008)
            #expect(try await client.get("/models?only_model_access_groups=true").json?["data"]?.arrayValue?.first?["id"] == "beta")
            let withPatterns = try await client.get("/v1/models?return_wildcard_routes=true").json?["data"]?.arrayValue ?? []
            #expect(withPatterns.contains { $0["id"] == "*" })
        }
    }
}
