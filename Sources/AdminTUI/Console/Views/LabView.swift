import AdminCore
import ConnectCore

extension LabModel {
    func draw(on surface: any Surface, _ frame: ScreenFrame) {
        let modeLine = mode == .verify ? "[verify] sign    m switch  Tab edit fields  Enter run  Esc stop editing  c copy"
                                       : "verify [sign]    m switch  Tab edit fields  Enter run  Esc stop editing  c copy"
        surface.put(Cell.fit(modeLine, surface.columns), row: 2, column: 0, style: .title)
        var row = 3
        let valueWidth = surface.columns - 11
        for field in fields {
            let focused = focus == field
            surface.put((focused ? ">" : " ") + Cell.fit(field.rawValue, 9), row: row, column: 0, style: focused ? .selected : .normal)
            if focused, let editor = editor(field) {
                let (text, cursor) = editor.window(valueWidth)
                surface.put(Cell.fit(text, valueWidth), row: row, column: 11, style: .accent)
                let under = DisplayWidth.prefix(DisplayWidth.dropping(cursor, from: text), fitting: 1).0
                surface.put(under.isEmpty ? " " : under, row: row, column: 11 + cursor, style: .selected)
            } else {
                // Long values (a token) show their end: where a paste finished.
                let value = Cell.clean(value(field))
                let shown = DisplayWidth.of(value) > valueWidth ? "…" + DisplayWidth.dropping(DisplayWidth.of(value) - valueWidth + 1, from: value) : value
                surface.put(Cell.fit(shown, valueWidth), row: row, column: 11, style: field == .kind && focused ? .selected : .normal)
            }
            row += 1
        }
        if let error {
            surface.put(Cell.fit(Cell.clean(error), surface.columns), row: row, column: 0, style: .error)
            row += 1
        }
        row += 1
        var lines: [(String, String, Style)] = []
        if let explanation {
            let report = explanation.report
            lines.append(("", ReportRendering.headline(report), report.valid ? .ok : .error))
            for check in ReportRendering.checkRows(report) {
                lines.append((Cell.fit(check[0], 4) + " " + check[1], "\(check[2]) \(check[3])".trimmingCharacters(in: .whitespaces),
                              check[0] == "FAIL" ? .error : check[0] == "warn" ? .warning : check[0] == "skip" ? .dim : .normal))
            }
            for (name, value) in ReportRendering.factRows(explanation, header: false) {
                let stale = name == ReportRendering.secretMatchLabel && value.hasPrefix("STALE")
                lines.append((name, value, stale ? .warning : .normal))
            }
        } else if let signed {
            for (name, value) in signed.details { lines.append((name, value, .normal)) }
        } else {
            lines.append(("", "Paste a token (it goes to the token field) and press Enter to see every check the server makes.", .dim))
        }
        // Every value wrapped in full (a signed token or a curl line is useless cut off), and
        // scrolled with Up/Down when it is longer than the screen.
        let labelWidth = 21
        var wrapped: [(label: String, text: String, style: Style, labelled: Bool)] = []
        for (name, value, style) in lines {
            if name.isEmpty {
                wrapped.append(("", Cell.fit(Cell.clean(value), surface.columns), style, false))
                continue
            }
            for (index, line) in Cell.wrap(Cell.clean(value), surface.columns - labelWidth).enumerated() {
                wrapped.append((index == 0 ? name : "", line, style, true))
            }
        }
        let room = max(1, surface.rows - 2 - row)
        let first = max(0, min(scroll, wrapped.count - room))
        for line in wrapped.dropFirst(first).prefix(room) {
            if line.labelled {
                surface.put(Cell.fit(line.label, labelWidth - 1), row: row, column: 0, style: line.style == .error ? .error : .title)
                surface.put(line.text, row: row, column: labelWidth, style: line.style)
            } else {
                surface.put(line.text, row: row, column: 0, style: line.style)
            }
            row += 1
        }
        if wrapped.count > room {
            let more = " \(first + 1)-\(first + min(room, wrapped.count - first)) of \(wrapped.count) lines, Up/Down scroll "
            surface.put(more, row: surface.rows - 2, column: max(0, surface.columns - DisplayWidth.of(more) - 1), style: .dim)
        }
    }
}
