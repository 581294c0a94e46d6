/// What every list screen does the same way: moving by key and by mouse, taking a store problem.
extension FilteredList {
    /// Applies a movement action; returns false for any other action.
    mutating func handleMovement(_ action: Action) -> Bool {
        switch action {
        case .up: move(-1)
        case .down: move(1)
        case .pageUp: move(-(height - 1))
        case .pageDown: move(height - 1)
        case .home: select(at: 0)
        case .end: select(at: visible.count - 1)
        default: return false
        }
        return true
    }

    /// A store that failed, or does not keep these rows: the same on every list. Returns
    /// whether `answer` was one of those.
    mutating func takeProblem(_ answer: Answer) -> Bool {
        switch answer {
        case .unavailable(let sentence): notice = sentence
        case .failed(let message): error = message
        default: return false
        }
        loading = false
        return true
    }

    /// A click on terminal row `row` of a list drawn from `origin`: selects that row; returns
    /// whether a row was hit.
    mutating func click(row: Int, origin: Int) -> Bool {
        let index = top + row - origin
        guard row >= origin, row - origin < height, visible.indices.contains(index) else { return false }
        select(at: index)
        return true
    }
}

extension TableLayout {
    /// `w`, `←`, `→` on a list of `rows` shown with `columns`; returns false for other actions.
    mutating func handle<Row>(_ action: Action, columns: [RecordColumn<Row>], rows: [Row], context: ScreenContext) -> Bool {
        switch action {
        case .wide: toggleWide()
        case .left, .right:
            let full = Table(columns, totalWidth: context.columns, style: CellStyle(now: context.now),
                             layout: TableLayout(wide: true), rows: rows).fullWidth
            scroll(action == .left ? -8 : 8, fullWidth: full, columns: context.columns)
        default: return false
        }
        return true
    }
}
