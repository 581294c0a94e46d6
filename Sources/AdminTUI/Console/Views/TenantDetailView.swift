import AdminCore
import Foundation

/// One tenant: its record (secret masked unless revealed), its history and its failures.
enum TenantDetailView {
    static func draw(_ state: ConsoleState, on surface: any Surface) {
        let detail = state.detail
        guard let tenant = detail.tenant else {
            let message = detail.loading ? "\(Chrome.spinner(state, unicode: surface.unicode)) loading \(detail.clientKey ?? "")…"
                : detail.error ?? "no tenant selected"
            surface.put(Cell.fit(Cell.clean(message), surface.columns), row: 3, column: 0, style: detail.loading ? .dim : .error)
            return
        }
        let revealed = detail.revealedUntil.map { $0 > state.now } ?? false
        let secret = revealed ? tenant.sharedSecret.reveal() : String(repeating: surface.unicode ? "•" : "*", count: 12) + "  (R to reveal)"
        let current = detail.secrets.first { $0.isCurrent }
        let fields: [(String, String)] = [
            ("clientKey", tenant.clientKey), ("state", tenant.state.rawValue), ("product", tenant.productType),
            ("baseUrl", tenant.baseUrl), ("displayUrl", tenant.displayUrl ?? "-"), ("description", tenant.description),
            ("installed", "\(tenant.installedAt.ISO8601Format())  (\(Age.short(state.now.timeIntervalSince(tenant.installedAt))) ago)"),
            ("changed", "\(tenant.updatedAt.ISO8601Format())  (\(Age.short(state.now.timeIntervalSince(tenant.updatedAt))) ago)"),
            ("secret", secret),
            ("fingerprint", "\(tenant.secretFingerprint)  current since \(current.map { $0.currentFrom.ISO8601Format() } ?? "?"), \(detail.secrets.count) secret(s) in history"),
            ("versions", "server \(tenant.serverVersion ?? "-"), plugins \(tenant.pluginsVersion ?? "-")"),
        ]
        var row = 2
        let wide = surface.columns >= 110
        let fieldRows = wide ? fields : fields.filter { !["displayUrl", "versions"].contains($0.0) }
        for (name, value) in fieldRows where row < surface.rows - 2 {
            surface.put(Cell.fit(name, 12), row: row, column: 1, style: .title)
            surface.put(Cell.fit(Cell.clean(value), surface.columns - 14), row: row, column: 14,
                        style: name == "secret" && revealed ? .warning : .normal)
            row += 1
        }
        let remaining = surface.rows - 2 - row
        guard remaining > 2 else { return }
        let historyRows = max(1, (remaining - 2) / 2)
        surface.put(Cell.fit(" History (\(detail.history.count))", surface.columns), row: row, column: 0, style: .header)
        row += 1
        for event in detail.history.prefix(historyRows) where row < surface.rows - 2 {
            let outcome = event.outcome == .rejected ? "REJECTED \(event.reason?.rawValue ?? "")" : (event.rotatedSecret ? "accepted, secret rotated" : "accepted")
            let text = "\(RecordRendering.shortTime(event.at))  \(event.eventType.rawValue)  \(outcome)  \(event.auth)"
            surface.put(Cell.fit(Cell.clean(text), surface.columns - 1), row: row, column: 1,
                        style: event.outcome == .rejected ? .error : (event.rotatedSecret ? .accent : .normal))
            row += 1
        }
        guard row < surface.rows - 3 else { return }
        surface.put(Cell.fit(" Failures (\(detail.failures.count) recent)", surface.columns), row: row, column: 0, style: .header)
        row += 1
        if detail.failures.isEmpty { surface.put("no recent failures", row: row, column: 1, style: .dim) }
        for failure in detail.failures where row < surface.rows - 2 {
            let text = "\(RecordRendering.monthDayTime(failure.at))  \(failure.reason.rawValue)  \(failure.method) \(failure.path)  \(failure.detail)"
            surface.put(Cell.fit(Cell.clean(text), surface.columns - 1), row: row, column: 1, style: .normal)
            row += 1
        }
    }
}
