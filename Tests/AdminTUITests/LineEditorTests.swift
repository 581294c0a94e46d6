@testable import AdminTUI
import Testing

/// Line editing as in a shell, on every input of the console.
@Suite struct LineEditorTests {
    static func edit(_ start: String, _ keys: [Key]) -> LineEditor {
        var editor = LineEditor(start)
        for key in keys {
            let taken = editor.handle(key)
            #expect(taken, "\(key)")
        }
        return editor
    }

    @Test func cursorMovesAndInsertsWhereItIs() {
        var editor = Self.edit("acme", [.left, .left, .character("X")])
        #expect(editor.text == "acXme" && editor.cursor == 3)
        editor = Self.edit("acme", [.home, .character(">"), .end, .character("<")])
        #expect(editor.text == ">acme<")
        editor = Self.edit("acme", [.control("a"), .right, .control("e"), .left, .character("_")])
        #expect(editor.text == "acm_e")
        // The cursor stops at both ends.
        editor = Self.edit("ab", [.left, .left, .left, .character("0"), .end, .right, .character("9")])
        #expect(editor.text == "0ab9")
    }

    @Test func deletionKeys() {
        #expect(Self.edit("acme", [.backspace]).text == "acm")
        #expect(Self.edit("acme", [.home, .backspace]).text == "acme")
        #expect(Self.edit("acme", [.home, .delete]).text == "cme")
        #expect(Self.edit("acme", [.delete]).text == "acme")
        #expect(Self.edit("acme corp", [.left, .left, .control("u")]).text == "rp")
        #expect(Self.edit("acme corp", [.home, .right, .control("k")]).text == "a")
        #expect(Self.edit("GET /rest/api  ", [.control("w")]).text == "GET ")
        #expect(Self.edit("one two", [.left, .left, .left, .control("w")]).text == "two")
    }

    @Test func pasteInsertsWholeOnOneLine() {
        let editor = Self.edit("ab", [.left, .paste("x.y\n.z\r\n")])
        #expect(editor.text == "ax.y.zb" && editor.cursor == 6)
    }

    @Test func otherKeysAreLeftToTheCaller() {
        var editor = LineEditor("x")
        for key in [Key.enter, .escape, .tab, .up, .down, .pageUp] {
            let taken = editor.handle(key)
            #expect(!taken)
        }
        #expect(editor.text == "x")
    }

    @Test func longTextScrollsToKeepTheCursorInView() {
        let token = String(repeating: "abcdefghij", count: 10)
        let end = LineEditor(token).window(20)
        #expect(end.cursor == 19 && token.hasSuffix(end.text))
        let start = Self.edit(token, [.home]).window(20)
        #expect(start.cursor == 0 && start.text == String(token.prefix(20)))
        // Fullwidth text: the cursor is counted in cells.
        let wide = LineEditor("日本").window(20)
        #expect(wide.cursor == 4)
    }
}
