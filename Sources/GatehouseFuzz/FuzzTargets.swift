import Foundation
import GatehouseCore

@testable import GatehouseAuth

/// Everything that parses bytes or numbers from outside, run on one input: a model request's
/// body (as the proxy routes check it, in every dialect), a management body (applied to every
/// record type), a token (split, its header and claims checked and mapped) and the small
/// parsers (durations, periods, networks, forwarded addresses, SSE, as parsed and as passed on).
/// No input may trap.
enum FuzzTargets {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static let issuer: JWTIssuerSettings = {
        var settings = JWTIssuerSettings(name: "fuzz", issuer: "https://idp.fuzz", audiences: ["gatehouse"], algorithms: ["HS256"])
        settings.mapping.claims.team = "team"
        settings.mapping.claims.organization = "org"
        settings.mapping.claims.roles = "roles"
        settings.mapping.claims.key = "key"
        settings.mapping.roleMappings = ["admins": .proxyAdmin, "viewers": .proxyAdminViewer]
        settings.mapping.limitClaims = Dictionary(uniqueKeysWithValues: ClaimMapping.limitNames.map { ($0, $0) })
        settings.mapping.scopeModels = ["chat": ["gpt-*"]]
        return settings
    }()

    static func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        smallParsers(text)
        var parser = SSEParser()
        _ = try? parser.feed(bytes)
        _ = parser.finish()
        sentEvents(bytes)
        _ = try? CompactJWT(text)
        multipart(bytes)
        guard let json = try? JSONCoding.decode(bytes) else { return }
        _ = JSONCoding.encode(json)
        modelRequest(json, size: bytes.count)
        managementBody(json)
        claims(json)
    }

    /// The same bytes as an upstream's SSE body passed on as sent: split into whole events (each
    /// within the bytes, none empty, together a prefix of them) and each asked whether it passes
    /// unread, as both pass-through translators ask.
    static func sentEvents(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { all in
            var scan = SSEFraming.Scan()
            var start = 0
            while let length = SSEFraming.firstEventLength(in: UnsafeRawBufferPointer(rebasing: all[start...]), scan: &scan) {
                precondition(length > 0 && start + length <= all.count, "an event outside the bytes")
                let event = UnsafeRawBufferPointer(rebasing: all[start..<start + length])
                _ = OpenAIStreamPassthrough(clientWantsUsage: false).passesUnread(event)
                _ = AnthropicStreamPassthrough().passesUnread(event)
                start += length
            }
            precondition(start + scan.scanned <= all.count, "a scan past the bytes")
        }
    }

    /// A transcription upload, read with the boundary its first line names, rewritten as the
    /// adapter sends it; and the same bytes as an SRT or VTT answer.
    static func multipart(_ bytes: [UInt8]) {
        let firstLine = bytes.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }.dropFirst(2)
        let contentType = "multipart/form-data; boundary=" + String(decoding: firstLine.prefix(80), as: UTF8.self)
        if let form = try? MultipartForm(contentType: contentType, body: bytes) {
            _ = form.fields
            _ = try? MultipartForm(contentType: form.contentType, body: form.encoded(setting: "model", to: "upstream"))
        }
        _ = AudioUsage.lastCueEnd(String(decoding: bytes, as: UTF8.self))
    }

    /// The checks `ProxyRoutes.parse` and admission make of a body, and the usage of an answer.
    static func modelRequest(_ body: JSONValue, size: Int) {
        _ = ForbiddenRequestFields.first(in: body)
        _ = TokenEstimate.invalidField(in: body)
        for endpoint in [Endpoint.chatCompletions, .completions, .embeddings, .messages, .moderations, .imageGenerations, .audioSpeech] {
            let estimate = TokenEstimate(body: body, bodyBytes: size, endpoint: endpoint, defaultMaxTokens: 4096)
            _ = estimate.reserved
            let price = TokenPrice(input: 0.000_075, output: 1e9)
            _ = price.usd(of: Usage(promptTokens: estimate.promptBound, completionTokens: estimate.completion))
        }
        // A Responses API body, translated; the same bytes as a chat answer and a chat chunk.
        if let (chat, _) = try? ResponsesToChat.request(body, history: [body]) { _ = TokenEstimate.invalidField(in: chat) }
        let shape = ResponsesShape(id: "resp_fuzz", createdAt: 0, model: "m", request: body)
        _ = ChatToResponses.response(body, shape: shape)
        var stream = ChatToResponsesStream(shape: shape)
        _ = stream.translate(SSEEvent(data: JSONCoding.encodeString(body)))
        _ = stream.finish()
        for usage in [Usage(openAI: body["usage"]), Usage(anthropic: body["usage"])] {
            guard let usage else { continue }
            _ = TokenPrice(input: 1e6, output: 1e6).usd(of: usage) + USD(units: .max)
        }
    }

    /// Every field a management body can set, on every record type, and the bounds check.
    static func managementBody(_ json: JSONValue) {
        guard let body = try? ManagementBody(json) else { return }
        var key = VirtualKey(id: "k", hash: "", display: "")
        try? body.apply(to: &key, now: now)
        var user = User(id: "u")
        try? body.apply(to: &user)
        var team = Team(id: "t")
        try? body.apply(to: &team)
        var organization = Organization(id: "o", alias: "o")
        try? body.apply(to: &organization)
        _ = try? body.members("member")
        _ = try? body.members("members_with_roles")
        _ = LimitBounds.violations(of: key.limits, within: [user.limits, team.limits], changedFrom: organization.limits)
        LimitBounds.inherit(into: &key.limits, from: [user.limits, team.limits]) { body.body[$0] != nil }
    }

    /// A token's payload (and the same object as its header): the claim checks and the mapping.
    static func claims(_ json: JSONValue) {
        _ = try? JWTClaimsValidator.validate(header: json, payload: json, settings: issuer, now: now)
        _ = try? issuer.mapping.identity(from: json, expiresAt: now)
    }

    static func smallParsers(_ text: String) {
        _ = DurationText.seconds(text)
        _ = BudgetPeriod(text).map { $0.period(containing: now, calendar: BudgetPeriod.calendar(timeZone: nil)!) }
        _ = IPNetwork(text)
        let trusted = [IPNetwork("10.0.0.0/8")!]
        _ = ForwardedFor.client(peer: "10.0.0.1", trusted: trusted, header: .forwarded, value: text)
        _ = ForwardedFor.client(peer: "10.0.0.1", trusted: trusted, header: .xForwardedFor, value: text)
        _ = LogText.value(text)
        _ = LogText.message(text)
    }
}
