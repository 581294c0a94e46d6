import AdminCore
import Foundation

/// Every lifecycle callback, newest first; rejected ones and secret rotations stand out.
enum HistoryView {
    static let columns: [Table.Column] = [
        .init(title: "TIME (UTC)", width: 16),
        .init(title: "TENANT", width: 14, flexible: true),
        .init(title: "EVENT", width: 11),
        .init(title: "OUTCOME", width: 9),
        .init(title: "REASON", width: 18, flexible: true),
        .init(title: "AUTH", width: 16, minimumTerminalWidth: 100),
        .init(title: "SECRET", width: 18, minimumTerminalWidth: 120),
    ]

    static func draw(_ rows: [InstallEvent], list: ListModel<InstallEvent>, state: ConsoleState, on surface: any Surface) {
        let table = Table(columns, totalWidth: surface.columns)
        surface.put(table.titles(all: columns), row: 2, column: 0, style: .title)
        if rows.isEmpty {
            let message = list.loading ? "\(Chrome.spinner(state, unicode: surface.unicode)) loading history…"
                : list.error.map { "store error: \($0)" } ?? "no install events\(state.historyTenant.map { " for \($0)" } ?? "")"
            surface.put(Cell.fit(Cell.clean(message), surface.columns), row: 3, column: 0, style: list.error == nil ? .dim : .error)
            return
        }
        let arrow = surface.unicode ? "→" : ">"
        for (offset, event) in rows.dropFirst(list.top).prefix(state.listHeight).enumerated() {
            let outcome = event.outcome == .rejected ? "REJECTED" : (event.rotatedSecret ? "rotated" : "ok")
            let secret = "\(event.fingerprintBefore?.prefix(8) ?? "-")\(arrow)\(event.fingerprintAfter?.prefix(8) ?? "-")"
            let cells = [RecordRendering.shortTime(event.at), event.clientKey,
                         event.eventType.rawValue, outcome, event.reason?.rawValue ?? "", event.auth, secret]
            let index = list.top + offset
            let style: Style = index == list.selected ? .selected : (event.outcome == .rejected ? .error : (event.rotatedSecret ? .accent : .normal))
            surface.put(table.line(cells, all: columns), row: 3 + offset, column: 0, style: style)
        }
        let filters = [state.historyTenant.map { "tenant \($0)" }, state.historyFilter.isEmpty ? nil : "/\(state.historyFilter)"].compactMap { $0 }
        let position = "\(list.selected + 1)/\(rows.count)" + (filters.isEmpty ? "" : " " + filters.joined(separator: " "))
        surface.put(Cell.clean(position), row: surface.rows - 2, column: max(0, surface.columns - position.count - 1), style: .dim)
    }
}
