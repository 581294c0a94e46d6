import AdminCore
import ConnectCore
import Foundation

/// The lines around every screen: header, breadcrumbs and tabs, status line, function bar.
enum Chrome {
    static func draw(_ core: ConsoleCore, on surface: any Surface) {
        let bar = surface.unicode ? "│" : "|"
        // The right part (counts, rate, mode, clock) always shows; the store location gives way.
        let tenants = core.header.tenantCount.map { "\($0) tenants" } ?? "… tenants"
        let wide = surface.columns >= 100
        let mode = core.header.readOnly ? (wide ? "read-only" : "ro") : (wide ? "read-write" : "rw")
        let rate = !core.capabilities.failures ? "no failure log" : wide ? core.rate.label : "\(core.rate.lastSixtySeconds) fail/min"
        let right = " \(bar) \(tenants) \(bar) \(rate) \(bar) \(mode) \(bar) \(RecordRendering.clockTime(core.now)) UTC "
        let left = Cell.fit(" ConnectAdmin \(bar) \(Cell.clean(core.header.store))", max(0, surface.columns - DisplayWidth.of(right)))
        surface.bar(left + right, row: 0, style: .header)

        let tabs = core.tabs
        let tabsStart = tabs.first?.columns.lowerBound ?? surface.columns
        surface.put(Cell.fit(crumbs(core, width: tabsStart - 1), tabsStart), row: 1, column: 0, style: .title)
        for tab in tabs {
            surface.put(tab.text, row: 1, column: tab.columns.lowerBound, style: tab.screen == core.screen ? .selected : .title)
        }

        let statusRow = surface.rows - 2
        switch core.input {
        case .command(let editor): drawEditor(":", editor, row: statusRow, on: surface)
        case .filter(let editor): drawEditor("/", editor, row: statusRow, on: surface)
        case .confirm(let confirmation): surface.bar(confirmation.prompt, row: statusRow, style: .warning)
        case .normal:
            let line = core.status ?? core.storeProblem.map { "store: \($0) — retrying" } ?? ""
            surface.bar(Cell.clean(line), row: statusRow, style: core.status == nil && core.storeProblem != nil ? .error : .dim)
        }
        functionBar(core.screen, on: surface)
    }

    /// ` Tenants > Failures > Failure #58`, losing its first crumbs when it does not fit.
    static func crumbs(_ core: ConsoleCore, width: Int) -> String {
        var crumbs = core.stack.map { core.screens[$0].crumb }
        var text = " " + crumbs.joined(separator: " > ")
        while DisplayWidth.of(text) > width, crumbs.count > 1 {
            crumbs.removeFirst()
            text = " … > " + crumbs.joined(separator: " > ")
        }
        return text
    }

    /// A line being edited, with its cursor.
    static func drawEditor(_ prompt: String, _ editor: LineEditor, row: Int, on surface: any Surface) {
        let (text, cursor) = editor.window(surface.columns - 2)
        surface.bar(prompt + text, row: row, style: .accent)
        let under = DisplayWidth.prefix(DisplayWidth.dropping(cursor, from: text), fitting: 1).0
        surface.put(under.isEmpty ? " " : under, row: row, column: 1 + cursor, style: .selected)
    }

    /// htop's function bar: the keys of this screen marked for it, from the key table. When they
    /// do not all fit, the screen's last ones give way (help lists every key); help and quit stay.
    static func functionBar(_ screen: ScreenID, on surface: any Surface) {
        var own = ScreenSet.bindings(for: screen).filter(\.bar)
        let global = KeyMap.global.filter(\.bar)
        func text() -> String { " " + (own + global).map { "\($0.label) \($0.hint)" }.joined(separator: "  ") }
        while DisplayWidth.of(text()) > surface.columns - 1, !own.isEmpty { own.removeLast() }
        surface.bar(text(), row: surface.rows - 1, style: .functionKey)
    }

    /// `12/200 /acme` at the right of the status line: where the selection is, and the filter.
    static func position<Row>(_ list: FilteredList<Row>, extra: [String] = [], on surface: any Surface) {
        guard !list.visible.isEmpty else { return }
        let filters = extra + (list.filter.isEmpty ? [] : ["/" + list.filter])
        let text = Cell.clean("\(list.selectedIndex + 1)/\(list.visible.count)" + (filters.isEmpty ? "" : " " + filters.joined(separator: " ")))
        surface.put(text, row: surface.rows - 2, column: max(0, surface.columns - DisplayWidth.of(text) - 1), style: .dim)
    }

    /// What an empty list says: loading, the store's error, or that there is nothing.
    static func emptyList<Row>(_ list: FilteredList<Row>, nothing: String, row: Int, frame: ScreenFrame, on surface: any Surface) {
        if let notice = list.notice {
            for (offset, line) in Cell.wrap(Cell.clean(notice), surface.columns - 1).enumerated() {
                surface.put(line, row: row + offset, column: 0, style: .dim)
            }
            return
        }
        let message: String
        if !list.loaded || list.loading && list.rows.isEmpty {
            message = list.error.map { "store error: \($0)" } ?? "\(frame.spinner(unicode: surface.unicode)) loading…"
        } else if let error = list.error {
            message = "store error: \(error)"
        } else {
            message = list.rows.isEmpty ? nothing : "no row matches /\(list.filter) (Esc clears the filter)"
        }
        surface.put(Cell.fit(Cell.clean(message), surface.columns), row: row, column: 0, style: list.error == nil ? .dim : .error)
    }
}
