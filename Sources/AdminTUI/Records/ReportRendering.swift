import AdminCore
import ConnectCore
import Foundation

/// A token's explanation for people (aligned text) and for scripts (JSON); the console's
/// token lab shows the same rows.
enum ReportRendering {
    static func json(_ explanation: TokenExplanation) -> JSONValue {
        let report = explanation.report
        var object = JSONObject([
            "valid": .bool(report.valid),
            "kind": .string(explanation.kind.rawValue),
            "kindAssumed": .bool(explanation.kindAssumed),
            "checks": .array(report.checks.map { check in
                .object(JSONObject([
                    "name": .string(check.name.rawValue), "ok": .bool(check.ok), "warning": .bool(check.warning), "skipped": .bool(check.skipped),
                    "reason": check.reason.map { .string($0.rawValue) } ?? .null, "detail": .string(check.detail),
                ]))
            }),
            "header": report.header.map(JSONValue.object) ?? .null,
            "claims": report.claims.map(JSONValue.object) ?? .null,
            "tokenFingerprint": .string(report.tokenFingerprint),
            "leeway": .integer(report.leeway),
            "now": .integer(report.now),
        ])
        if let clientKey = explanation.clientKey { object["tenant"] = .string(clientKey) }
        if let canonical = report.canonicalRequest { object["canonical"] = .string(canonical) }
        if let expected = report.expectedQSH { object["expectedQsh"] = .string(expected) }
        if let claimed = report.tokenQSH { object["tokenQsh"] = .string(claimed) }
        if let signedFor = report.qshSignedFor { object["qshSignedFor"] = .string(signedFor) }
        if explanation.clientKey != nil, let match = explanation.secretMatch { object["secretMatch"] = json(match) }
        return .object(object)
    }

    static func json(_ match: SecretMatch) -> JSONValue {
        switch match {
        case .current(let fingerprint):
            return .object(JSONObject(["answer": .string("current"), "fingerprint": .string(fingerprint)]))
        case .stale(let fingerprint, let from, let until):
            return .object(JSONObject(["answer": .string("stale"), "fingerprint": .string(fingerprint),
                                       "currentFrom": .string(RecordRendering.iso(from)), "replacedAt": .string(RecordRendering.iso(until))]))
        case .none:
            return .object(JSONObject(["answer": .string("unknown")]))
        case .unchecked(let reason):
            return .object(JSONObject(["answer": .string("unchecked"), "reason": .string(reason.message)]))
        }
    }

    static func text(_ explanation: TokenExplanation) -> String {
        var lines = [headline(explanation.report)]
        lines.append(Standard.table(checkRows(explanation.report)))
        let facts = factRows(explanation, header: true)
        if !facts.isEmpty { lines.append(Standard.table(facts.map { [$0.0, $0.1] })) }
        return lines.joined(separator: "\n")
    }

    /// `VALID  token 1a2b…  (leeway 30 s)`.
    static func headline(_ report: VerificationReport) -> String {
        (report.valid ? "VALID" : "INVALID") + "  token \(report.tokenFingerprint)  (leeway \(report.leeway) s)"
    }

    /// One row per check: mark, check, reason code, detail.
    static func checkRows(_ report: VerificationReport) -> [[String]] {
        report.checks.map { check in
            [check.ok ? (check.skipped ? "skip" : check.warning ? "warn" : "ok") : "FAIL", check.name.rawValue, check.reason?.rawValue ?? "", check.detail]
        }
    }

    /// What the token was checked as and what it said: kind, tenant, header, claims, both qsh
    /// values, and which of the tenant's secrets signed it.
    static func factRows(_ explanation: TokenExplanation, header: Bool) -> [(String, String)] {
        let report = explanation.report
        var rows: [(String, String)] = [("kind", explanation.kind.rawValue + (explanation.kindAssumed ? " (read off the token)" : ""))]
        if let clientKey = explanation.clientKey { rows.append(("tenant", clientKey)) }
        if header, let value = report.header { rows.append(("header", JSONValue.object(value).jsonText())) }
        if let claims = report.claims { rows.append(("claims", JSONValue.object(claims).jsonText())) }
        if let canonical = report.canonicalRequest { rows.append(("canonical request", canonical)) }
        if let expected = report.expectedQSH { rows.append(("request qsh", expected)) }
        if let claimed = report.tokenQSH { rows.append(("token qsh", claimed)) }
        if let signedFor = report.qshSignedFor { rows.append(("token signed for", signedFor)) }
        if explanation.clientKey != nil, let match = explanation.secretMatch {
            rows.append((secretMatchLabel, RecordRendering.secretMatch(match)))
        }
        return rows
    }

    static let secretMatchLabel = "secret match"

    /// A claim for people: times also as ISO 8601, everything else as JSON.
    static func describe(_ key: String, _ value: JSONValue) -> String {
        if ["exp", "iat", "nbf"].contains(key), case .integer(let seconds) = value {
            return "\(seconds)  (\(iso8601(seconds)))"
        }
        return value.jsonText()
    }

    static func iso8601(_ seconds: Int64) -> String {
        Date(timeIntervalSince1970: TimeInterval(seconds)).ISO8601Format()
    }
}
