import AdminCore

extension FailureModel {
    func draw(on surface: any Surface, _ frame: ScreenFrame) {
        guard let failure else { return }
        var lines: [(String, String, Style)] = FailureColumns.fields(failure).map { ($0.0, $0.1, $0.0 == "reason" ? .error : .normal) }
        lines.append(("", "", .normal))
        let width = surface.columns - 14
        for (index, line) in Cell.wrap(Cell.clean(failure.detail.isEmpty ? "-" : failure.detail), width).enumerated() {
            lines.append((index == 0 ? "detail" : "", line, .normal))
        }
        let room = surface.rows - 4
        let first = max(0, min(scroll, lines.count - room))
        for (offset, line) in lines.dropFirst(first).prefix(room).enumerated() {
            surface.put(Cell.fit(line.0, 12), row: 2 + offset, column: 1, style: .title)
            surface.put(Cell.fit(Cell.clean(line.1), width), row: 2 + offset, column: 14, style: line.2)
        }
    }
}
