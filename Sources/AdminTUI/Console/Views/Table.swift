/// Column layout for list screens: fixed columns keep their width, flexible ones share what
/// is left, and columns marked optional are dropped first on narrow terminals.
struct Table {
    struct Column {
        var title: String
        var width: Int
        var flexible = false
        /// Dropped below this terminal width.
        var minimumTerminalWidth = 0
    }

    let columns: [Column]
    let widths: [Int]

    init(_ columns: [Column], totalWidth: Int) {
        let shown = columns.filter { totalWidth >= $0.minimumTerminalWidth }
        let fixed = shown.filter { !$0.flexible }.reduce(0) { $0 + $1.width } + max(0, shown.count - 1)
        let flexibleCount = shown.filter(\.flexible).count
        let spare = max(0, totalWidth - fixed)
        var remaining = spare
        var widths: [Int] = []
        var flexibleSeen = 0
        for column in shown {
            if column.flexible {
                flexibleSeen += 1
                let share = flexibleSeen == flexibleCount ? remaining : max(column.width, spare / max(1, flexibleCount))
                let width = min(remaining, max(column.width, share))
                widths.append(width)
                remaining -= width
            } else {
                widths.append(column.width)
            }
        }
        self.columns = shown
        self.widths = widths
    }

    /// Keeps only the cells of shown columns, in order.
    func line(_ cells: [String], all: [Column]) -> String {
        var out: [String] = []
        var shownIndex = 0
        for (index, column) in all.enumerated() where shownIndex < columns.count && columns[shownIndex].title == column.title {
            out.append(Cell.fit(Cell.clean(index < cells.count ? cells[index] : ""), widths[shownIndex]))
            shownIndex += 1
        }
        return out.joined(separator: " ")
    }

    func titles(all: [Column]) -> String { line(all.map(\.title), all: all) }
}

/// Human ages and times.
enum Age {
    static func short(_ seconds: Double) -> String {
        let s = max(0, Int(seconds))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 86_400 { return "\(s / 3600)h" }
        if s < 86_400 * 365 { return "\(s / 86_400)d" }
        return "\(s / (86_400 * 365))y"
    }
}
