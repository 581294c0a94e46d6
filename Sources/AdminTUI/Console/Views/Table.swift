/// Lays record columns out across the terminal. Normally fixed columns keep their width,
/// flexible ones grow into the spare room (each up to its preferred width first, so a whole
/// clientKey fits at 120 columns, then by their shares of the rest), and optional columns give
/// way on narrow terminals.
/// In wide mode every column is as wide as its widest cell and the line scrolls sideways.
struct Table<Row> {
    let columns: [RecordColumn<Row>]
    let widths: [Int]
    let style: CellStyle
    /// Cells scrolled off the left edge (wide mode).
    let offset: Int

    init(_ all: [RecordColumn<Row>], totalWidth: Int, style: CellStyle, layout: TableLayout = TableLayout(), rows: [Row] = []) {
        self.style = style
        if layout.wide {
            columns = all
            widths = all.map { column in
                rows.reduce(DisplayWidth.of(column.title)) { max($0, min(200, DisplayWidth.of(Cell.clean(column.value($1, style))))) }
            }
            let full = widths.reduce(0, +) + max(0, widths.count - 1)
            offset = max(0, min(layout.offset, full - totalWidth))
            return
        }
        offset = 0
        let shown = all.filter { totalWidth >= $0.minimumTerminalWidth }
        var widths = shown.map(\.width)
        var spare = totalWidth - widths.reduce(0, +) - max(0, shown.count - 1)
        // The smallest wishes first: a reason code that needs 8 more cells gets them before a
        // clientKey that needs 22 and would still be cut on this terminal.
        let wishes = shown.indices.filter { shown[$0].flexible }.sorted { shown[$0].preferred - shown[$0].width < shown[$1].preferred - shown[$1].width }
        for index in wishes where spare > 0 {
            let grow = min(spare, max(0, shown[index].preferred - widths[index]))
            widths[index] += grow
            spare -= grow
        }
        let shares = shown.map(\.share).reduce(0, +)
        if shares > 0 {
            let sharing = spare
            for index in shown.indices where shown[index].share > 0 {
                let grow = sharing * shown[index].share / shares
                widths[index] += grow
                spare -= grow
            }
        }
        if spare > 0, let last = shown.lastIndex(where: \.flexible) { widths[last] += spare }
        columns = shown
        self.widths = widths
    }

    /// Cells of the whole line, before scrolling.
    var fullWidth: Int { widths.reduce(0, +) + max(0, widths.count - 1) }

    func line(_ row: Row) -> String {
        scrolled(zip(columns, widths).map { Cell.fit(Cell.clean($0.value(row, style)), $1) }.joined(separator: " "))
    }

    /// The column titles; `marks` adds to some (the sort arrow).
    func titles(marks: [String: String] = [:]) -> String {
        scrolled(zip(columns, widths).map { Cell.fit($0.title + (marks[$0.title] ?? ""), $1) }.joined(separator: " "))
    }

    private func scrolled(_ line: String) -> String { DisplayWidth.dropping(offset, from: line) }
}

/// A list's column mode: the default layout, or wide (whole cells) scrolled sideways.
struct TableLayout: Sendable, Equatable {
    var wide = false
    var offset = 0

    /// `w`: toggles wide mode.
    mutating func toggleWide() {
        wide.toggle()
        offset = 0
    }

    /// `←`/`→`: scrolls by `delta` cells within `fullWidth` on a `columns`-wide screen; `→`
    /// in the default layout turns wide mode on first.
    mutating func scroll(_ delta: Int, fullWidth: Int, columns: Int) {
        if !wide {
            guard delta > 0 else { return }
            wide = true
        }
        offset = max(0, min(offset + delta, fullWidth - columns))
    }
}
