import AdminCore
import ConnectCore
import Foundation

extension TenantModel {
    func draw(on surface: any Surface, _ frame: ScreenFrame) {
        guard let detail, let tenant = detail.tenant else {
            let message = loading ? "\(frame.spinner(unicode: surface.unicode)) loading \(clientKey ?? "")…" : error ?? "no tenant selected"
            surface.put(Cell.fit(Cell.clean(message), surface.columns), row: 3, column: 0, style: loading ? .dim : .error)
            return
        }
        let now = frame.now
        let revealed = revealed(at: now)
        let masked = String(repeating: surface.unicode ? "•" : "*", count: 12)
        let secret: String
        switch tenant.secret {
        case .open(let open): secret = revealed ? open.reveal() : masked + "  (R to reveal)"
        case .unavailable(let reason):
            if case .missingKey = reason.kind {
                secret = masked + "  (sealed, \(reason.label): start connect-admin with --secret-key-file)"
            } else {
                secret = masked + "  (\(reason.label): not used)"
            }
        }
        let current = detail.secrets.first { $0.isCurrent }
        let age = { (date: Date?) in date.map { "\($0.ISO8601Format())  (\(RecordRendering.age(now.timeIntervalSince($0))) ago)" } ?? "- (the store does not record it)" }
        let fields: [(String, String)] = [
            ("clientKey", tenant.clientKey), ("state", tenant.state.rawValue), ("product", tenant.productType),
            ("baseUrl", tenant.baseUrl), ("displayUrl", tenant.displayUrl ?? "-"), ("description", tenant.description),
            ("installed", age(tenant.installedAt)), ("changed", age(tenant.updatedAt)),
            ("secret", secret),
            ("fingerprint", frame.capabilities.history
                ? "\(tenant.secretFingerprint)  current since \(current.map { $0.currentFrom.ISO8601Format() } ?? "?"), \(detail.secrets.count) secret(s) in history"
                : "\(tenant.secretFingerprint)  (this store keeps no secret history)"),
            ("versions", "server \(tenant.serverVersion ?? "-"), plugins \(tenant.pluginsVersion ?? "-")"),
        ]
        var row = 2
        let shown = surface.columns >= 110 ? fields : fields.filter { !["displayUrl", "versions"].contains($0.0) }
        for (name, value) in shown where row < surface.rows - 2 {
            surface.put(Cell.fit(name, 12), row: row, column: 1, style: .title)
            surface.put(Cell.fit(Cell.clean(value), surface.columns - 14), row: row, column: 14,
                        style: name == "secret" && revealed ? .warning : .normal)
            row += 1
        }
        let remaining = surface.rows - 2 - row
        guard remaining > 2 else { return }
        guard frame.capabilities.history else {
            for line in Cell.wrap(frame.capabilities.missing, surface.columns - 2) where row + 1 < surface.rows - 2 {
                row += 1
                surface.put(line, row: row, column: 1, style: .dim)
            }
            return
        }
        let historyRows = max(1, (remaining - 2) / 2)
        surface.put(Cell.fit(" History (\(detail.history.count))", surface.columns), row: row, column: 0, style: .header)
        row += 1
        let eventColumns = EventColumns.columns(for: detail.history).filter { ["TIME (UTC)", "EVENT", "OUTCOME", "REASON", "N", "AUTH", "SECRET"].contains($0.title) }
        let events = Table(eventColumns, totalWidth: surface.columns - 1, style: CellStyle(now: now, unicode: surface.unicode))
        for event in detail.history.prefix(historyRows) where row < surface.rows - 2 {
            surface.put(Cell.fit(events.line(event), surface.columns - 1), row: row, column: 1,
                        style: EventColumns.style(event))
            row += 1
        }
        guard row < surface.rows - 3 else { return }
        surface.put(Cell.fit(" Failures (\(detail.failures.count) recent)", surface.columns), row: row, column: 0, style: .header)
        row += 1
        if detail.failures.isEmpty { surface.put("no recent failures", row: row, column: 1, style: .dim) }
        let failureColumns = FailureColumns.all.filter { $0.title != "TENANT" && $0.title != "NODE" }
        let failures = Table(failureColumns, totalWidth: surface.columns - 1, style: CellStyle(now: now, unicode: surface.unicode))
        for failure in detail.failures where row < surface.rows - 2 {
            surface.put(Cell.fit(failures.line(failure), surface.columns - 1), row: row, column: 1, style: .normal)
            row += 1
        }
    }
}
