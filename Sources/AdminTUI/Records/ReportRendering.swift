import AdminCore
import Foundation

/// A verification report for people (aligned text) and for scripts (JSON).
enum ReportRendering {
    static func json(_ report: VerificationReport) -> JSONValue {
        var object = JSONObject([
            "valid": .bool(report.valid),
            "checks": .array(report.checks.map { check in
                .object(JSONObject([
                    "name": .string(check.name.rawValue), "ok": .bool(check.ok),
                    "reason": check.reason.map { .string($0.rawValue) } ?? .null, "detail": .string(check.detail),
                ]))
            }),
            "header": report.header.map(JSONValue.object) ?? .null,
            "claims": report.claims.map(JSONValue.object) ?? .null,
            "tokenFingerprint": .string(report.tokenFingerprint),
            "leeway": .integer(report.leeway),
            "now": .integer(report.now),
        ])
        if let canonical = report.canonicalRequest { object["canonical"] = .string(canonical) }
        if let expected = report.expectedQSH { object["expectedQsh"] = .string(expected) }
        if let claimed = report.tokenQSH { object["tokenQsh"] = .string(claimed) }
        if let signedFor = report.qshSignedFor { object["qshSignedFor"] = .string(signedFor) }
        return .object(object)
    }

    static func text(_ report: VerificationReport) -> String {
        var lines = [headline(report)]
        lines.append(Standard.table(checkRows(report)))
        let facts = factRows(report, header: true)
        if !facts.isEmpty { lines.append(Standard.table(facts.map { [$0.0, $0.1] })) }
        return lines.joined(separator: "\n")
    }

    /// `VALID  token 1a2b…  (leeway 30 s)`.
    static func headline(_ report: VerificationReport) -> String {
        (report.valid ? "VALID" : "INVALID") + "  token \(report.tokenFingerprint)  (leeway \(report.leeway) s)"
    }

    /// One row per check: mark, check, reason code, detail.
    static func checkRows(_ report: VerificationReport) -> [[String]] {
        report.checks.map { check in [check.ok ? "ok" : "FAIL", check.name.rawValue, check.reason?.rawValue ?? "", check.detail] }
    }

    /// What the token said and what the request needed: header, claims, both qsh values.
    static func factRows(_ report: VerificationReport, header: Bool) -> [(String, String)] {
        var rows: [(String, String)] = []
        if header, let value = report.header { rows.append(("header", JSONValue.object(value).jsonText())) }
        if let claims = report.claims { rows.append(("claims", JSONValue.object(claims).jsonText())) }
        if let canonical = report.canonicalRequest { rows.append(("canonical request", canonical)) }
        if let expected = report.expectedQSH { rows.append(("request qsh", expected)) }
        if let claimed = report.tokenQSH { rows.append(("token qsh", claimed)) }
        if let signedFor = report.qshSignedFor { rows.append(("token signed for", signedFor)) }
        return rows
    }

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
