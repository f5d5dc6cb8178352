import GatehouseCore
import GatehouseProviders
import Testing

@Suite("Configuration reloads")
struct ConfigReloadTests {
    func config(_ models: [Deployment]) -> GatehouseConfig { GatehouseConfig(models: models) }

    @Test func modelsAddedRemovedAndChangedAreNamedAndOtherSectionsNeedARestart() {
        let old = config([.mock(modelName: "a"), .mock(modelName: "b"), .mock(modelName: "c")])
        var new = config([.mock(modelName: "a"), .mock(modelName: "b", latencyMs: 5), .mock(modelName: "d")])
        #expect(ConfigChanges(from: old, to: old).isEmpty)
        var changes = ConfigChanges(from: old, to: new)
        #expect(changes.modelsAdded == ["d"] && changes.modelsRemoved == ["c"] && changes.modelsChanged == ["b"])
        #expect(changes.changesModels && !changes.routerChanged && changes.needsRestart.isEmpty)

        new.router.numRetries = 7
        new.server.lockout.firstBlockSeconds = 5
        new.masterKey = "sk-another-master-key-0000000000"
        changes = ConfigChanges(from: old, to: new)
        #expect(changes.routerChanged && changes.needsRestart == ["gatehouse_settings", "general_settings.master_key"])
        // What a reload applies: models and routing from the file, the rest as it runs.
        let applied = ConfigChanges.applied(new, to: old)
        #expect(applied.models == new.models && applied.router == new.router)
        #expect(applied.server == old.server && applied.masterKey == nil)
        #expect(ConfigChanges(from: applied, to: new).needsRestart == changes.needsRestart)
        #expect(!ConfigChanges(from: applied, to: new).changesModels)
    }

    @Test func theRouterServesTheReplacedModelsFromTheNextRequest() async throws {
        func adapters(_ names: [String]) -> [ProviderAdapter] {
            names.map { name in
                let deployment = Deployment.mock(modelName: name)
                return ProviderAdapter(deployment: deployment, transport: MockUpstream(model: name, settings: deployment.mock))
            }
        }
        let router = ModelRouter(adapters: adapters(["a", "b"]), settings: RouterSettings())
        #expect(router.modelNames == ["a", "b"])
        // A request that started before the reload finishes on the deployment it began with.
        let (reloaded, release) = AsyncStream.makeStream(of: Void.self)
        let running = Task {
            try await router.run(model: "a") { adapter in
                for await _ in reloaded { break }
                return adapter.deployment.id
            }
        }
        try await Task.sleep(for: .milliseconds(20))
        var settings = RouterSettings()
        settings.fallbacks = ["c": ["b"]]
        router.replace(adapters: adapters(["b", "c"]), settings: settings)
        release.yield()
        #expect(try await running.value == "mock-a")
        #expect(router.modelNames == ["b", "c"] && !router.hasModel("a") && router.settings.fallbacks["c"] == ["b"])
        await #expect(throws: GatewayError.self) { try await router.run(model: "a") { $0.deployment.id } }
        #expect(try await router.run(model: "c") { $0.deployment.id } == "mock-c")
    }
}
