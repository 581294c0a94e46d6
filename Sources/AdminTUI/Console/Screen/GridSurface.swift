/// An in-memory surface: what tests render into and compare with golden files.
final class GridSurface: Surface {
    let rows: Int
    let columns: Int
    let unicode: Bool
    private(set) var lines: [[Character]]
    private(set) var styles: [[Style]]

    init(rows: Int, columns: Int, unicode: Bool = true) {
        self.rows = rows
        self.columns = columns
        self.unicode = unicode
        lines = Array(repeating: Array(repeating: " ", count: columns), count: rows)
        styles = Array(repeating: Array(repeating: .normal, count: columns), count: rows)
    }

    func clear() {
        lines = Array(repeating: Array(repeating: " ", count: columns), count: rows)
        styles = Array(repeating: Array(repeating: .normal, count: columns), count: rows)
    }

    func put(_ text: String, row: Int, column: Int, style: Style) {
        guard row >= 0, row < rows else { return }
        var col = column
        for character in text {
            guard col < columns else { break }
            if col >= 0 {
                lines[row][col] = character
                styles[row][col] = style
            }
            col += 1
        }
    }

    /// The screen as text, one line per row, trailing spaces kept so widths are visible.
    var text: String { lines.map { String($0) }.joined(separator: "\n") }
}
