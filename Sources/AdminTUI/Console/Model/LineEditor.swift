/// One line of editable text with a cursor: the filter, the `:` command and every lab field.
/// Emacs keys as in a shell (Ctrl-A/E/U/K/W), Home/End, Delete, and pasted text inserted whole.
struct LineEditor: Sendable, Equatable {
    private(set) var characters: [Character]
    /// Where the next character goes, 0...characters.count.
    private(set) var cursor: Int

    init(_ text: String = "") {
        characters = Array(text)
        cursor = characters.count
    }

    var text: String { String(characters) }

    /// Applies an editing key. Returns false for keys that are not editing keys (Enter, Esc,
    /// Tab, Up…), which the caller handles.
    mutating func handle(_ key: Key) -> Bool {
        switch key {
        case .character(let character): insert([character])
        case .paste(let text):
            // A single line: pasted line breaks (a token copied with its newline) are dropped.
            insert(Array(text).filter { !$0.isNewline })
        case .left, .control("b"): cursor = max(0, cursor - 1)
        case .right, .control("f"): cursor = min(characters.count, cursor + 1)
        case .home, .control("a"): cursor = 0
        case .end, .control("e"): cursor = characters.count
        case .backspace, .control("h"):
            guard cursor > 0 else { return true }
            characters.remove(at: cursor - 1)
            cursor -= 1
        case .delete, .control("d"):
            guard cursor < characters.count else { return true }
            characters.remove(at: cursor)
        case .control("u"):
            characters.removeSubrange(0..<cursor)
            cursor = 0
        case .control("k"):
            characters.removeSubrange(cursor...)
        case .control("w"):
            // The word before the cursor and the spaces after it, as in bash.
            var start = cursor
            while start > 0, characters[start - 1] == " " { start -= 1 }
            while start > 0, characters[start - 1] != " " { start -= 1 }
            characters.removeSubrange(start..<cursor)
            cursor = start
        default:
            return false
        }
        return true
    }

    private mutating func insert(_ new: [Character]) {
        characters.insert(contentsOf: new, at: cursor)
        cursor += new.count
    }

    /// What fits in `width` cells around the cursor, and the cursor's cell in it: long text
    /// scrolls so the cursor stays in view.
    func window(_ width: Int) -> (text: String, cursor: Int) {
        guard width > 1 else { return ("", 0) }
        let shown = characters.map { Cell.clean(String($0)) }
        var start = 0
        var cells = shown[..<cursor].reduce(0) { $0 + DisplayWidth.of($1) }
        while cells > width - 1, start < cursor {
            cells -= DisplayWidth.of(shown[start])
            start += 1
        }
        var text = ""
        var used = 0
        for piece in shown[start...] {
            let pieceWidth = DisplayWidth.of(piece)
            if used + pieceWidth > width { break }
            text += piece
            used += pieceWidth
        }
        return (text, cells)
    }
}
