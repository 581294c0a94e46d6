import Foundation

/// One column of a record table. The CLI tables and the console lists are built from the same
/// columns, so a record reads the same in a script's output and on screen.
struct RecordColumn<Row>: Sendable {
    var title: String
    /// The cells the console gives it at least.
    var width: Int
    /// Grows into spare room, first up to `preferred` (smaller wishes first).
    var flexible = false
    var preferred = 0
    /// What is left after every preferred width is met is shared among the columns with a
    /// share, in proportion (the last flexible column takes what does not divide evenly).
    var share = 0
    /// The console drops it below this terminal width (the CLI always prints it).
    var minimumTerminalWidth = 0
    var value: @Sendable (Row, CellStyle) -> String
}

/// How cells are written: the CLI prints absolute UTC times, the console ages and clock times
/// relative to its own clock.
struct CellStyle: Sendable {
    /// `nil`: absolute times (the CLI).
    var now: Date?
    var unicode = true

    static let cli = CellStyle(now: nil, unicode: false)

    /// `3d` in the console, `2026-11-18 11:06` in the CLI.
    func age(_ date: Date) -> String {
        guard let now else { return RecordRendering.shortTime(date) }
        return RecordRendering.age(now.timeIntervalSince(date))
    }

    /// `11:06:40` in the console for the last 24 hours (a live tail), `11-17 09:12` before
    /// that; `2026-11-18 11:06` in the CLI.
    func recent(_ date: Date) -> String {
        guard let now else { return RecordRendering.shortTime(date) }
        return abs(now.timeIntervalSince(date)) < 86_400 ? RecordRendering.clockTime(date) : RecordRendering.monthDayTime(date)
    }
}

extension Array {
    /// The titles and the cells of `rows` for `Standard.table`.
    func tableRows<Row>(_ rows: [Row], style: CellStyle = .cli, header: Bool = true) -> [[String]] where Element == RecordColumn<Row> {
        (header ? [map(\.title)] : []) + rows.map { row in map { $0.value(row, style) } }
    }
}
