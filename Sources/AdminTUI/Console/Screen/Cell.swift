import AdminCore
import ConnectCore

/// Text made ready for a cell: sanitised, then cut or padded to a width in terminal cells.
enum Cell {
    /// Store and token contents are hostile until shown otherwise: control characters and
    /// escape sequences become visible escapes (`\x1b`).
    static func clean(_ text: String) -> String { Sanitized.escape(text) }

    /// `text` cut to `width` cells (with `~` marking the cut) or padded with spaces.
    static func fit(_ text: String, _ width: Int) -> String {
        guard width > 0 else { return "" }
        let cells = DisplayWidth.of(text)
        if cells == width { return text }
        if cells < width { return text + String(repeating: " ", count: width - cells) }
        let (kept, used) = DisplayWidth.prefix(text, fitting: width - 1)
        return kept + String(repeating: " ", count: width - 1 - used) + "~"
    }

    /// `text` broken into lines of at most `width` cells, at spaces where it can be; a word
    /// longer than a line (a token, a hash) is cut anywhere.
    static func wrap(_ text: String, _ width: Int) -> [String] {
        guard width > 0 else { return [] }
        var lines: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            var (line, _) = DisplayWidth.prefix(String(rest), fitting: width)
            guard !line.isEmpty else { break }
            if line.count < rest.count, let space = line.lastIndex(of: " "), space > line.startIndex {
                line = String(line[...space])
            }
            lines.append(line.count == rest.count ? line : String(line.reversed().drop { $0 == " " }.reversed()))
            rest = rest.dropFirst(line.count)
        }
        return lines.isEmpty ? [""] : lines
    }
}
