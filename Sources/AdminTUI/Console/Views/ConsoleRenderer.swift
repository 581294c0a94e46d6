/// Draws the whole console: chrome, the current screen, help on top.
enum ConsoleRenderer {
    static func draw(_ core: ConsoleCore, on surface: any Surface) {
        surface.clear()
        guard surface.rows >= ConsoleCore.minimumRows, surface.columns >= ConsoleCore.minimumColumns else {
            let message = "terminal too small: \(surface.columns)x\(surface.rows), needs \(ConsoleCore.minimumColumns)x\(ConsoleCore.minimumRows)"
            surface.put(String(message.prefix(surface.columns)), row: surface.rows / 2, column: 0, style: .warning)
            return
        }
        // Chrome first: a view may add to the status line (its position on the right).
        Chrome.draw(core, on: surface)
        core.screens[core.screen].draw(on: surface, core.frame)
        if let top = core.help { HelpView.draw(core.screen, top: top, on: surface) }
    }
}

/// `?`: every binding of the screen, generated from `KeyMap`, scrolled when it is longer than
/// the terminal.
enum HelpView {
    static func draw(_ screen: ScreenID, top: Int, on surface: any Surface) {
        let width = KeyMap.helpWidth(columns: surface.columns)
        let entries = KeyMap.helpLines(for: screen, width: width)
        let visible = min(ConsoleCore.helpPage(rows: surface.rows), entries.count)
        let height = visible + 2
        let first = max(0, min(top, entries.count - visible))
        let left = (surface.columns - width) / 2
        let row = 2
        let horizontal = surface.unicode ? "─" : "-"
        let vertical = surface.unicode ? "│" : "|"
        let corners = surface.unicode ? ["┌", "┐", "└", "┘"] : ["+", "+", "+", "+"]
        let title = " Keys: \(screen.title) (Esc or ? to close) "
        surface.put(corners[0] + title + String(repeating: horizontal, count: max(0, width - 2 - title.count)) + corners[1],
                    row: row, column: left, style: .header)
        for index in 0..<visible {
            let entry = entries[first + index]
            let text = " " + Cell.fit(entry.0, 11) + entry.1
            surface.put(vertical + Cell.fit(text, width - 2) + vertical, row: row + 1 + index, column: left, style: .normal)
        }
        let more = entries.count > visible ? " \(first + 1)-\(first + visible) of \(entries.count), Up/Down scroll " : ""
        surface.put(corners[2] + more + String(repeating: horizontal, count: max(0, width - 2 - more.count)) + corners[3],
                    row: row + height - 1, column: left, style: .header)
    }
}
