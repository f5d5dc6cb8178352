import Foundation
import GatehouseCore
import GatehouseStore
import Hummingbird

/// `/lockout/list` (proxy admins and viewers) and `/lockout/unlock` (proxy admins): the blocks
/// repeated failed authentications put on addresses and credentials — of every instance when
/// they share a PostgreSQL (as last exchanged), and lifted everywhere.
struct LockoutRoutes: Sendable {
    let management: Management
    let lockouts: Lockouts

    func register(on router: some RouterMethods<AuthenticatedContext>) {
        router.get("/lockout/list") { _, context in try await self.list(context) }
        router.changing("/lockout/unlock", .post, trail: management.trail) { call, _ in try await self.unlock(call) }
    }

    func list(_ context: AuthenticatedContext) async throws -> Response {
        try await management.caller(context).requireReader("list lockouts")
        let now = Date()
        let blocks = lockouts.blocks(at: now).map { block -> JSONValue in
            [
                "subject": .string(block.subject), "until": .string(ManagementJSON.timestamp(block.until)),
                "retry_after": JSONValue(Int(saturating: block.until.timeIntervalSince(now).rounded(.up))),
            ]
        }
        return Response.json(["blocks": .array(blocks)])
    }

    func unlock(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("lift lockouts")
        let subject = try call.body.required("subject")
        let sharedBlock: Bool
        do {
            sharedBlock = try await lockouts.shared?.delete(subject: subject) ?? false
        } catch {
            throw GatewayError.unavailable("The shared lockout blocks cannot be reached; try again.")
        }
        guard lockouts.unblock(subject, at: Date()) || sharedBlock else {
            throw GatewayError.managementNotFound("No block on \(subject).", param: "subject")
        }
        return Changed(["unlocked": .string(subject)], RecordChange(subject, before: ["blocked": true], after: ["blocked": false]))
    }
}
