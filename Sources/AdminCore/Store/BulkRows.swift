import ConnectCore
/// Many rows for one table, written by `SQLDatabase.insert(_:after:)` in the engine's fastest
/// way (SQLite: one prepared statement run per row; PostgreSQL: `COPY … FROM STDIN`). The
/// data generator makes stores of millions of rows with it; multi-row `INSERT`s spend most
/// of their time building and parsing SQL text.
struct BulkRows: Sendable {
    /// Table and column names come from the store's own code, never from input.
    var table: String
    var columns: [String]
    var rows: [[SQLValue]]

    init(table: String, columns: [String], rows: [[SQLValue]]) {
        self.table = table
        self.columns = columns
        self.rows = rows
    }

    /// `INSERT` for one row, with `?` placeholders.
    var insertSQL: String {
        "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))"
    }

    /// Appends `rows[range]` in PostgreSQL's COPY text format: tab-separated, one line per
    /// row, `\N` for NULL, and backslash, tab, newline and carriage return escaped, so any
    /// text (a hostile path, a detail with newlines) arrives as it was.
    func appendCopyText(rows range: Range<Int>, to output: inout [UInt8]) {
        for row in rows[range] {
            for (index, value) in row.enumerated() {
                if index > 0 { output.append(UInt8(ascii: "\t")) }
                switch value {
                case .null:
                    output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
                case .integer(let integer):
                    output.append(contentsOf: String(integer).utf8)
                case .text(let text):
                    for byte in text.utf8 {
                        switch byte {
                        case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                        case UInt8(ascii: "\t"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                        case UInt8(ascii: "\n"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                        case UInt8(ascii: "\r"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                        default: output.append(byte)
                        }
                    }
                }
            }
            output.append(UInt8(ascii: "\n"))
        }
    }
}
