import AdminCore
import Foundation

/// The live tail of authentication failures, with a per-minute rate sparkline.
enum FailuresView {
    static let columns: [Table.Column] = [
        .init(title: "TIME", width: 8),
        .init(title: "TENANT", width: 14, flexible: true),
        .init(title: "REASON", width: 17),
        .init(title: "N", width: 4),
        .init(title: "REQUEST", width: 16, flexible: true),
        .init(title: "DETAIL", width: 20, flexible: true, minimumTerminalWidth: 100),
        .init(title: "NODE", width: 8, minimumTerminalWidth: 120),
    ]

    static func sparkline(_ counts: [Int], unicode: Bool) -> String {
        let levels = unicode ? Array("▁▂▃▄▅▆▇█") : Array(" .:-=+*#")
        let top = max(1, counts.max() ?? 1)
        return String(counts.map { count in levels[min(levels.count - 1, count * (levels.count - 1) / top)] })
    }

    static func draw(_ rows: [AuthFailure], state: ConsoleState, on surface: any Surface) {
        let failures = state.failures
        let mode = failures.following ? "FOLLOWING" : "PAUSED (f to follow)"
        let filters = [failures.tenant.map { "tenant \($0)" }, failures.reason.map { "reason \($0.rawValue)" },
                       state.failureFilter.isEmpty ? nil : "/\(state.failureFilter)"].compactMap { $0 }
        let rate = "rate/min (30 min) \(sparkline(failures.perMinute, unicode: surface.unicode)) \(failures.perMinute.last ?? 0)/min  \(mode)"
            + (filters.isEmpty ? "" : "  " + filters.joined(separator: ", "))
        surface.put(Cell.fit(Cell.clean(rate), surface.columns), row: 2, column: 0, style: failures.following ? .ok : .warning)
        let table = Table(columns, totalWidth: surface.columns)
        surface.put(table.titles(all: columns), row: 3, column: 0, style: .title)
        let height = state.listHeight - 1
        if rows.isEmpty {
            let message = failures.list.loading ? "\(Chrome.spinner(state, unicode: surface.unicode)) loading failures…"
                : failures.list.error.map { "store error: \($0)" } ?? "no authentication failures\(filters.isEmpty ? "" : " match")"
            surface.put(Cell.fit(Cell.clean(message), surface.columns), row: 4, column: 0, style: failures.list.error == nil ? .dim : .error)
            return
        }
        for (offset, failure) in rows.dropFirst(failures.list.top).prefix(height).enumerated() {
            let time = RecordRendering.clockTime(failure.at)
            let cells = [time, failure.clientKey ?? "-", failure.reason.rawValue, failure.count > 1 ? "x\(failure.count)" : "",
                         "\(failure.method) \(failure.path)", failure.detail, failure.node]
            let index = failures.list.top + offset
            surface.put(table.line(cells, all: columns), row: 4 + offset, column: 0, style: index == failures.list.selected ? .selected : .normal)
        }
    }
}
