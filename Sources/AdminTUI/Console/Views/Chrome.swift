import AdminCore
import Foundation

/// The lines around every screen: header, breadcrumbs, status line and function bar.
enum Chrome {
    static func draw(_ state: ConsoleState, on surface: any Surface) {
        let clock = RecordRendering.clockTime(state.now)
        let bar = surface.unicode ? "│" : "|"
        // The right part (counts, mode, clock) always shows; the store location gives way.
        let right = " \(bar) \(state.header.tenantCount) tenants \(bar) " + String(format: "%.0f fail/min", state.header.failuresPerMinute)
            + " \(bar) \(state.header.readOnly ? "read-only" : "read-write") \(bar) \(clock) UTC "
        let left = Cell.fit(" ConnectAdmin \(bar) \(Cell.clean(state.header.store))", max(0, surface.columns - right.count))
        surface.bar(left + right, row: 0, style: .header)
        let tabText = ScreenID.numbered.map { number, screen in
            screen == state.screen ? "[\(number) \(screen.title)]" : " \(number) \(screen.title) "
        }.joined()
        let crumbs = " " + state.breadcrumbs
        let gap = max(1, surface.columns - crumbs.count - tabText.count)
        surface.put(Cell.fit(crumbs + String(repeating: " ", count: gap) + tabText, surface.columns), row: 1, column: 0, style: .title)

        // Status line: input being typed, else a message, else nothing.
        let statusRow = surface.rows - 2
        switch state.input {
        case .command(let text): surface.bar(":" + Cell.clean(text) + "_", row: statusRow, style: .accent)
        case .filter(let text): surface.bar("/" + Cell.clean(text) + "_", row: statusRow, style: .accent)
        case .confirmReveal: surface.bar("Reveal the shared secret on screen for 10 s? (y/N)", row: statusRow, style: .warning)
        case .normal:
            let line = state.status ?? state.storeProblem.map { "store: \($0) — retrying" } ?? ""
            surface.bar(Cell.clean(line), row: statusRow, style: .dim)
        }
        functionBar(state, on: surface)
    }

    /// htop's function bar: the most useful keys of this screen, from the key table.
    static func functionBar(_ state: ConsoleState, on surface: any Surface) {
        let wanted: [String] = {
            switch state.screen {
            case .tenants: return ["?", ":", "/", "Enter", "s", "S", "q"]
            case .tenant: return ["?", "Esc", "R", "l", "c", "q"]
            case .history: return ["?", "/", "Enter", "t", "x", "q"]
            case .failures: return ["?", "/", "f", "t", "r", "x", "q"]
            case .lab: return ["?", "m", "Tab", "Enter", "c", "Esc"]
            }
        }()
        let table = KeyMap.bindings(for: state.screen)
        var text = ""
        for label in wanted {
            guard let binding = table.first(where: { $0.label == label }) else { continue }
            text += "\(binding.label) \(binding.hint)  "
        }
        surface.bar(" " + text, row: surface.rows - 1, style: .functionKey)
    }

    static func spinner(_ state: ConsoleState, unicode: Bool) -> String {
        let frames = unicode ? ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"] : ["|", "/", "-", "\\"]
        return frames[state.spinnerPhase % frames.count]
    }
}
