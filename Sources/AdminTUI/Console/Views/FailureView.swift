import AdminCore
import ConnectCore

extension FailureModel {
    func draw(on surface: any Surface, _ frame: ScreenFrame) {
        guard let failure else { return }
        // Every value wrapped in full: a path with its query, or a qsh explanation, is the point.
        let width = surface.columns - 14
        var lines: [(String, String, Style)] = []
        let fields = FailureColumns.fields(failure) + [("", ""), ("detail", failure.detail.isEmpty ? "-" : failure.detail)]
        for (name, value) in fields {
            for (index, line) in Cell.wrap(Cell.clean(value), width).enumerated() {
                lines.append((index == 0 ? name : "", line, name == "reason" ? .error : .normal))
            }
        }
        let room = surface.rows - 4
        let first = max(0, min(scroll, lines.count - room))
        for (offset, line) in lines.dropFirst(first).prefix(room).enumerated() {
            surface.put(Cell.fit(line.0, 12), row: 2 + offset, column: 1, style: .title)
            surface.put(Cell.fit(line.1, width), row: 2 + offset, column: 14, style: line.2)
        }
    }
}
