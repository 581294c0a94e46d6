import AdminCore
import ConnectCore

/// Where views draw: a grid of cells. Two implementations: `CursesSurface` for the terminal
/// and `GridSurface` (in memory) for tests. Views never touch ncurses.
protocol Surface: AnyObject {
    var rows: Int { get }
    var columns: Int { get }
    /// Whether box-drawing and other non-ASCII symbols may be used.
    var unicode: Bool { get }
    func clear()
    /// Writes `text` at `row`, `column` (in cells), clipped to the surface. `text` must already
    /// be sanitised (views go through `Cell.clean`).
    func put(_ text: String, row: Int, column: Int, style: Style)
}

extension Surface {
    /// Fills a whole row with `text` padded to the width (a bar).
    func bar(_ text: String, row: Int, style: Style) {
        put(Cell.fit(text, columns), row: row, column: 0, style: style)
    }
}
