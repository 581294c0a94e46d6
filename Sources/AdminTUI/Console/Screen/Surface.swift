import AdminCore

/// Where views draw: a grid of cells. Two implementations: `CursesSurface` for the terminal
/// and `GridSurface` (in memory) for tests. Views never touch ncurses.
protocol Surface: AnyObject {
    var rows: Int { get }
    var columns: Int { get }
    /// Whether box-drawing and other non-ASCII symbols may be used.
    var unicode: Bool { get }
    func clear()
    /// Writes `text` at `row`, `column`, clipped to the surface. `text` must already be
    /// sanitised (views go through `Cell.clean`).
    func put(_ text: String, row: Int, column: Int, style: Style)
}

extension Surface {
    /// Fills a whole row with `text` padded to the width (a bar).
    func bar(_ text: String, row: Int, style: Style) {
        put(Cell.fit(text, columns), row: row, column: 0, style: style)
    }
}

/// Text made ready for a cell: sanitised, then cut or padded to a width.
enum Cell {
    /// Store and token contents are hostile until shown otherwise: control characters and
    /// escape sequences become visible escapes (`\x1b`).
    static func clean(_ text: String) -> String { Sanitized.escape(text) }

    /// `text` cut to `width` columns (with `~` marking the cut) or padded with spaces.
    static func fit(_ text: String, _ width: Int) -> String {
        guard width > 0 else { return "" }
        let count = text.count
        if count == width { return text }
        if count < width { return text + String(repeating: " ", count: width - count) }
        return String(text.prefix(max(0, width - 1))) + "~"
    }
}
