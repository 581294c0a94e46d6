import AdminCore
import ConnectCore
import Foundation

/// Writing to the terminal. Everything that may carry bytes from a token, a payload or the
/// store goes through `Sanitized` first.
enum Standard {
    static func output(_ line: String) {
        print(line)
    }

    /// Pushes buffered output out now (stdout is fully buffered when piped).
    static func flush() {
        fflush(nil)
    }

    /// A message on stderr, each line's control characters escaped.
    static func error(_ message: String) {
        let lines = message.split(separator: "\n", omittingEmptySubsequences: false).map { Sanitized.escape(String($0)) }
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    static func warning(_ message: String) {
        error("warning: " + message)
    }

    /// Rows as an aligned table for people; every cell sanitised. `minimumWidths` keeps tables
    /// printed in pieces (`failures --follow`) aligned with each other.
    static func table(_ rows: [[String]], gap: Int = 2, minimumWidths: [Int] = []) -> String {
        let cleaned = rows.map { $0.map(Sanitized.escape) }
        let columns = cleaned.map(\.count).max() ?? 0
        var widths = (0..<columns).map { $0 < minimumWidths.count ? minimumWidths[$0] : 0 }
        for row in cleaned {
            for (index, cell) in row.enumerated() where index < columns - 1 {
                widths[index] = max(widths[index], DisplayWidth.of(cell))
            }
        }
        return cleaned.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: max(0, widths[index] + gap - DisplayWidth.of(cell)))
            }.joined()
        }.joined(separator: "\n")
    }
}
