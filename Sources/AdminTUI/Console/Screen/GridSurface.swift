/// An in-memory surface: what tests render into and compare with golden files. A wide
/// character fills its cell and the next, as on a terminal.
final class GridSurface: Surface {
    let rows: Int
    let columns: Int
    let unicode: Bool
    /// `nil`: the right half of a wide character.
    private(set) var cells: [[Character?]]
    private(set) var styles: [[Style]]

    init(rows: Int, columns: Int, unicode: Bool = true) {
        self.rows = rows
        self.columns = columns
        self.unicode = unicode
        cells = Array(repeating: Array(repeating: " ", count: columns), count: rows)
        styles = Array(repeating: Array(repeating: .normal, count: columns), count: rows)
    }

    func clear() {
        cells = Array(repeating: Array(repeating: " ", count: columns), count: rows)
        styles = Array(repeating: Array(repeating: .normal, count: columns), count: rows)
    }

    func put(_ text: String, row: Int, column: Int, style: Style) {
        guard row >= 0, row < rows else { return }
        var col = column
        for character in text {
            let width = DisplayWidth.of(character)
            guard width > 0 else { continue }
            guard col + width <= columns else { break }
            if col >= 0 {
                // Overwriting half of a wide character blanks its other half.
                if cells[row][col] == nil, col > 0 { cells[row][col - 1] = " " }
                if col + width < columns, cells[row][col + width] == nil { cells[row][col + width] = " " }
                cells[row][col] = character
                styles[row][col] = style
                for extra in 1..<width {
                    cells[row][col + extra] = nil
                    styles[row][col + extra] = style
                }
            }
            col += width
        }
    }

    /// The screen as text, one line per row, trailing spaces kept so widths are visible.
    var text: String { cells.map { String($0.compactMap { $0 }) }.joined(separator: "\n") }

    /// The style of the cell at `row`, `column`.
    func style(row: Int, column: Int) -> Style { styles[row][column] }
}
