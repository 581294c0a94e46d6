import AdminCore
import ConnectCore
import Foundation

/// Store records as `--json` lines (camelCase, ISO 8601 UTC) and as table cells.
enum RecordRendering {
    static func iso(_ date: Date) -> String { date.ISO8601Format() }

    /// `2026-11-29 04:50` in UTC: short enough for a table.
    static func shortTime(_ date: Date) -> String {
        String(date.ISO8601Format().prefix(16)).replacingOccurrences(of: "T", with: " ")
    }

    /// `11-29 04:50` in UTC: a recent time, where the year goes without saying.
    static func monthDayTime(_ date: Date) -> String {
        String(shortTime(date).dropFirst(5))
    }

    /// `04:50:12` in UTC: the live tail and the clock.
    static func clockTime(_ date: Date) -> String {
        String(date.ISO8601Format().dropFirst(11).prefix(8))
    }

    /// `42s`, `5m`, `3h`, `12d`, `2y`: how long ago, in the fewest characters.
    static func age(_ seconds: Double) -> String {
        let s = max(0, Int(seconds))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 86_400 { return "\(s / 3600)h" }
        if s < 86_400 * 365 { return "\(s / 86_400)d" }
        return "\(s / (86_400 * 365))y"
    }

    /// Which of a tenant's secrets signed a token, in one sentence.
    static func secretMatch(_ match: SecretMatch) -> String {
        switch match {
        case .current(let fingerprint): return "current secret \(fingerprint)"
        case .stale(let fingerprint, let from, let until):
            return "STALE secret \(fingerprint), current from \(iso(from)) until replaced at \(iso(until))"
        case .none: return "none of this tenant's secrets signed this token"
        case .unchecked(let reason): return "not checked: \(reason.message)"
        }
    }

    static func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    /// With `revealSecrets`, a secret that cannot be opened here is `null`, with the sentence
    /// saying why in `sharedSecretUnavailable`.
    static func tenant(_ row: TenantRow, revealSecrets: Bool) -> JSONValue {
        let tenant = row.tenant
        var object = JSONObject([
            "clientKey": .string(tenant.clientKey), "addonKey": tenant.addonKey.isEmpty ? .null : .string(tenant.addonKey), "baseUrl": .string(tenant.baseUrl),
            "displayUrl": optional(tenant.displayUrl), "productType": .string(tenant.productType),
            "description": .string(tenant.description), "serverVersion": optional(tenant.serverVersion),
            "pluginsVersion": optional(tenant.pluginsVersion),
            "serviceEntitlementNumber": optional(tenant.serviceEntitlementNumber),
            "oauthClientId": optional(tenant.oauthClientId), "cloudId": optional(tenant.cloudId),
            "installationId": optional(tenant.installationId), "state": .string(tenant.state.rawValue),
            "secretFingerprint": .string(tenant.secretFingerprint), "installedAt": tenant.installedAt.map { .string(iso($0)) } ?? .null,
            "updatedAt": tenant.updatedAt.map { .string(iso($0)) } ?? .null, "recentFailures": row.recentFailures.map { .integer(Int64($0)) } ?? .null,
        ])
        if revealSecrets {
            do {
                object["sharedSecret"] = .string(try tenant.sharedSecret.reveal())
            } catch {
                object["sharedSecret"] = .null
                object["sharedSecretUnavailable"] = .string(error.message)
            }
        }
        return .object(object)
    }

    static func event(_ event: InstallEvent) -> JSONValue {
        .object(JSONObject([
            "id": .integer(event.id), "at": .string(iso(event.at)), "node": .string(event.node),
            "clientKey": .string(event.clientKey), "eventType": .string(event.eventType.rawValue),
            "outcome": .string(event.outcome.rawValue), "reason": optional(event.reason?.rawValue),
            "auth": .string(event.auth), "fingerprintBefore": optional(event.fingerprintBefore),
            "fingerprintAfter": optional(event.fingerprintAfter), "baseUrl": optional(event.baseUrl),
            "remoteAddress": optional(event.remoteAddress), "detail": .string(event.detail),
            "secretRotated": .bool(event.rotatedSecret),
            "upstreamStatus": event.upstreamStatus.map { .integer(Int64($0)) } ?? .null,
            "forwarded": event.forwarded.map(JSONValue.bool) ?? .null,
            "count": .integer(Int64(event.count)),
        ]))
    }

    static func failure(_ failure: AuthFailure) -> JSONValue {
        .object(JSONObject([
            "id": .integer(failure.id), "at": .string(iso(failure.at)), "node": .string(failure.node),
            "clientKey": optional(failure.clientKey), "reason": .string(failure.reason.rawValue),
            "detail": .string(failure.detail), "method": .string(failure.method), "path": .string(failure.path),
            "remoteAddress": optional(failure.remoteAddress), "userAgent": optional(failure.userAgent),
            "tokenFingerprint": optional(failure.tokenFingerprint), "alg": optional(failure.alg), "kid": optional(failure.kid),
            "exp": failure.exp.map(JSONValue.integer) ?? .null, "iat": failure.iat.map(JSONValue.integer) ?? .null,
            "count": .integer(Int64(failure.count)),
        ]))
    }
}
