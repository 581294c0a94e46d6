/// A scrollable list: rows, the selected row, and the first row shown.
struct ListModel<Row: Sendable>: Sendable {
    var rows: [Row] = []
    var selected = 0
    var top = 0
    var loading = false
    var error: String?

    var selectedRow: Row? { rows.indices.contains(selected) ? rows[selected] : nil }

    /// Moves the selection by `delta`, keeping it visible in `height` rows.
    mutating func move(_ delta: Int, height: Int) {
        guard !rows.isEmpty else { selected = 0; top = 0; return }
        selected = min(max(0, selected + delta), rows.count - 1)
        scrollToSelection(height: height)
    }

    mutating func scrollToSelection(height: Int) {
        let height = max(1, height)
        if selected < top { top = selected }
        if selected >= top + height { top = selected - height + 1 }
        top = max(0, min(top, max(0, rows.count - height)))
    }

    mutating func replace(_ newRows: [Row], height: Int) {
        rows = newRows
        loading = false
        error = nil
        selected = min(selected, max(0, rows.count - 1))
        scrollToSelection(height: height)
    }
}
