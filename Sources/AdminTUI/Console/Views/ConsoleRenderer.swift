/// Draws the whole console for a state: chrome, the current screen, help on top.
enum ConsoleRenderer {
    static func draw(_ core: ConsoleCore, on surface: any Surface) {
        let state = core.state
        surface.clear()
        guard surface.rows >= ConsoleState.minimumRows, surface.columns >= ConsoleState.minimumColumns else {
            let message = "terminal too small: \(surface.columns)x\(surface.rows), needs \(ConsoleState.minimumColumns)x\(ConsoleState.minimumRows)"
            surface.put(String(message.prefix(surface.columns)), row: surface.rows / 2, column: 0, style: .warning)
            return
        }
        // Chrome first: a view may add to the status line (its position on the right).
        Chrome.draw(state, on: surface)
        switch state.screen {
        case .tenants: TenantsView.draw(state, on: surface)
        case .tenant: TenantDetailView.draw(state, on: surface)
        case .history: HistoryView.draw(core.visibleHistory(), list: state.history, state: state, on: surface)
        case .failures: FailuresView.draw(core.visibleFailures(), state: state, on: surface)
        case .lab: TokenLabView.draw(state, on: surface)
        }
        if state.showHelp { HelpView.draw(state, on: surface) }
    }
}

/// `?`: the key table for this screen, generated from `KeyMap`.
enum HelpView {
    static func draw(_ state: ConsoleState, on surface: any Surface) {
        let entries = KeyMap.help(for: state.screen)
        let width = min(surface.columns - 4, 72)
        let height = min(surface.rows - 4, entries.count + 3)
        let left = (surface.columns - width) / 2
        let top = 2
        let horizontal = surface.unicode ? "─" : "-"
        let vertical = surface.unicode ? "│" : "|"
        let corners = surface.unicode ? ["┌", "┐", "└", "┘"] : ["+", "+", "+", "+"]
        let title = " Keys: \(state.screen.title) (Esc or ? to close) "
        let rule = String(repeating: horizontal, count: max(0, width - 2 - title.count))
        surface.put(corners[0] + title + rule + corners[1], row: top, column: left, style: .header)
        for index in 0..<(height - 2) {
            var text = ""
            if index < entries.count {
                text = " " + entries[index].0.padding(toLength: 8, withPad: " ", startingAt: 0) + entries[index].1
            }
            surface.put(vertical + Cell.fit(text, width - 2) + vertical, row: top + 1 + index, column: left, style: .normal)
        }
        surface.put(corners[2] + String(repeating: horizontal, count: width - 2) + corners[3], row: top + height - 1, column: left, style: .header)
    }
}
