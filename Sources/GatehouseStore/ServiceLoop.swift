public import ServiceLifecycle

extension Task where Success == Never, Failure == Never {
    /// Whether a service's periodic loop goes on: not once the gateway shuts down gracefully, and
    /// not once the service's task is cancelled. A service group cancels its services without a
    /// graceful shutdown when one of them fails or its own task is cancelled; a loop that waited
    /// only for the graceful shutdown would then spin, its sleep ending at once every time.
    public static var serviceGoesOn: Bool { !isShuttingDownGracefully && !isCancelled }
}
