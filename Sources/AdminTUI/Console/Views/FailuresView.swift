import AdminCore
import ConnectCore

extension FailuresModel {
    static func sparkline(_ counts: [Int], unicode: Bool) -> String {
        let levels = unicode ? Array("▁▂▃▄▅▆▇█") : Array(" .:-=+*#")
        let top = max(1, counts.max() ?? 1)
        return String(counts.map { count in levels[min(levels.count - 1, count * (levels.count - 1) / top)] })
    }

    func draw(on surface: any Surface, _ frame: ScreenFrame) {
        let mode = following ? "FOLLOWING" : "PAUSED (f to follow\(unseen > 0 ? ", \(unseen) new" : ""))"
        let filters = [tenant.map { "tenant \($0)" }, reason.map { "reason \($0.rawValue)" }].compactMap { $0 }
        let rate = !frame.capabilities.failures ? "no failure log in this store" : "\(mode)  \(surface.columns >= 100 ? "30 min " : "")\(Self.sparkline(frame.rate.perMinute, unicode: surface.unicode)) \(frame.rate.label), "
            + "\(frame.rate.perMinute.last ?? 0) this min"
            + (filters.isEmpty ? "" : "  " + filters.joined(separator: ", "))
        surface.put(Cell.fit(Cell.clean(rate), surface.columns), row: 2, column: 0, style: following ? .ok : .warning)
        ListView.draw(list, columns: FailureColumns.all, layout: layout, origin: Self.listOrigin ?? 4,
                      nothing: "no authentication failures" + (filters.isEmpty ? "" : " match"), extra: filters,
                      frame: frame, on: surface)
    }
}
