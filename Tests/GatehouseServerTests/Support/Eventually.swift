/// Asks `condition` again every `interval` until it holds or `timeout` has passed: for what the
/// server does after it answers (a batch written, a change fed to another instance, a file
/// re-read). - Returns: whether it held in time.
func eventually(
    timeout: Duration = .seconds(10), every interval: Duration = .milliseconds(50), _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return true }
        if ContinuousClock.now >= deadline { return false }
        try? await Task.sleep(for: interval)
    }
}
