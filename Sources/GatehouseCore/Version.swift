/// Gatehouse's release, as `gatehouse --version`, the readiness details and LiteLLM's clients
/// (`litellm_version`) see it.
public enum GatehouseVersion {
    public static let current = "0.9.0"
}
