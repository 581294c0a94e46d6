import CNcurses

/// How many terminal cells text takes: fullwidth (CJK) characters take two, combining marks
/// none. Counted with the C library's `wcwidth` (the same table ncurses uses), so columns line
/// up with what the terminal draws.
enum DisplayWidth {
    static func of(_ character: Character) -> Int {
        if let ascii = character.asciiValue { return ascii >= 0x20 && ascii < 0x7f ? 1 : 0 }
        var width = 0
        for scalar in character.unicodeScalars { width += max(0, Int(ca_wcwidth(scalar.value))) }
        return width
    }

    static func of(_ text: String) -> Int {
        var width = 0
        for character in text { width += of(character) }
        return width
    }

    /// The longest prefix of `text` that fits `width` cells, and its width.
    static func prefix(_ text: String, fitting width: Int) -> (String, Int) {
        var used = 0
        var end = text.startIndex
        for index in text.indices {
            let cells = of(text[index])
            if used + cells > width { break }
            used += cells
            end = text.index(after: index)
        }
        return (String(text[..<end]), used)
    }

    /// `text` without its first `cells` cells (a wide character cut in half becomes a space).
    static func dropping(_ cells: Int, from text: String) -> String {
        guard cells > 0 else { return text }
        var used = 0
        for index in text.indices {
            if used >= cells { return (used > cells ? " " : "") + text[index...] }
            used += of(text[index])
        }
        return ""
    }
}
