import AdminCore
import Foundation

/// The token lab: the fields, then either every check of a verified token (with both qsh
/// values and the secret it matches) or a freshly signed token with its curl line.
enum TokenLabView {
    static func draw(_ state: ConsoleState, on surface: any Surface) {
        let lab = state.lab
        let modeLine = lab.mode == .verify ? "[verify] sign    m: switch  Tab: edit fields  Enter: run  Esc: stop editing"
                                           : "verify [sign]    m: switch  Tab: edit fields  Enter: run  Esc: stop editing"
        surface.put(Cell.fit(modeLine, surface.columns), row: 2, column: 0, style: .title)
        var row = 3
        for field in lab.fields {
            let focused = lab.focus == field
            let name = "\(field)".padding(toLength: 8, withPad: " ", startingAt: 0)
            var value = Cell.clean(lab.value(field))
            if field == .token && value.count > surface.columns - 14 { value = "…" + value.suffix(surface.columns - 15) }
            surface.put(Cell.fit((focused ? ">" : " ") + name + " " + value + (focused ? "_" : ""), surface.columns), row: row, column: 0,
                        style: focused ? .selected : .normal)
            row += 1
        }
        if let error = lab.error {
            surface.put(Cell.fit(Cell.clean(error), surface.columns), row: row, column: 0, style: .error)
            row += 1
        }
        row += 1
        if let report = lab.report {
            drawReport(report, match: lab.secretMatch, from: row, on: surface)
        } else if let signed = lab.signed {
            let lines = [("token", signed.token), ("canonical", signed.canonical), ("qsh", signed.qsh), ("curl", signed.curl)]
            for (name, value) in lines where row < surface.rows - 2 {
                surface.put(Cell.fit(name, 10), row: row, column: 0, style: .title)
                surface.put(Cell.fit(Cell.clean(value), surface.columns - 11), row: row, column: 11, style: .normal)
                row += 1
            }
        } else {
            surface.put("Paste a token (Tab to the token field) and press Enter to see every check the server makes.",
                        row: row, column: 0, style: .dim)
        }
    }

    static func drawReport(_ report: VerificationReport, match: SecretMatch?, from start: Int, on surface: any Surface) {
        var row = start
        surface.put(Cell.fit(report.valid ? "VALID  token \(report.tokenFingerprint)" : "INVALID  token \(report.tokenFingerprint)  (leeway \(report.leeway) s)", surface.columns),
                    row: row, column: 0, style: report.valid ? .ok : .error)
        row += 1
        for check in report.checks where row < surface.rows - 7 {
            let mark = check.ok ? "ok  " : "FAIL"
            let text = "\(mark) \(check.name.rawValue.padding(toLength: 15, withPad: " ", startingAt: 0)) \(check.reason?.rawValue ?? "") \(check.detail)"
            surface.put(Cell.fit(Cell.clean(text), surface.columns), row: row, column: 0, style: check.ok ? .normal : .error)
            row += 1
        }
        var facts: [(String, String)] = []
        if let canonical = report.canonicalRequest { facts.append(("canonical", canonical)) }
        if let expected = report.expectedQSH { facts.append(("request qsh", expected)) }
        if let claimed = report.tokenQSH { facts.append(("token qsh", claimed)) }
        if let signedFor = report.qshSignedFor { facts.append(("signed for", signedFor)) }
        if let claims = report.claims { facts.append(("claims", JSONValue.object(claims).jsonText())) }
        switch match {
        case .current(let fingerprint)?: facts.append(("secret", "matches the current secret \(fingerprint)"))
        case .stale(let fingerprint, _, let until)?: facts.append(("secret", "STALE: matches \(fingerprint), replaced \(until.ISO8601Format())"))
        case .none?: facts.append(("secret", "matches none of this tenant's secrets"))
        case nil: break
        }
        for (name, value) in facts where row < surface.rows - 2 {
            surface.put(Cell.fit(name, 12), row: row, column: 0, style: .title)
            surface.put(Cell.fit(Cell.clean(value), surface.columns - 13), row: row, column: 13, style: name == "secret" && value.hasPrefix("STALE") ? .warning : .normal)
            row += 1
        }
    }
}
