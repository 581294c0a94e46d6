import AdminCore
import ConnectCore
import CNcurses
import Foundation

/// Turns what the terminal sends into `Key`s. Terminals disagree on the bytes for Home, End,
/// Delete and the arrows (and `TERM` often names a terminfo entry that does not list them, as
/// tmux with `xterm-256color` does for `ESC [1~`), so the common alternatives are registered
/// with `define_key`, as htop does. Escape waits 100 ms for the rest of a sequence, enough for
/// one split across SSH packets (vim's `ttimeoutlen`).
enum KeyReader {
    static let escapeDelay: Int32 = 100
    static let pasteStart = ca_key_max() + 1
    static let pasteEnd = ca_key_max() + 2

    /// The alternative sequences for each key.
    static let sequences: [(String, Int32)] = [
        ("\u{1b}[1~", KEY_HOME), ("\u{1b}[7~", KEY_HOME), ("\u{1b}[H", KEY_HOME), ("\u{1b}OH", KEY_HOME),
        ("\u{1b}[4~", KEY_END), ("\u{1b}[8~", KEY_END), ("\u{1b}[F", KEY_END), ("\u{1b}OF", KEY_END),
        ("\u{1b}[5~", KEY_PPAGE), ("\u{1b}[6~", KEY_NPAGE), ("\u{1b}[3~", ca_key_dc()),
        ("\u{1b}[A", KEY_UP), ("\u{1b}[B", KEY_DOWN), ("\u{1b}[C", KEY_RIGHT), ("\u{1b}[D", KEY_LEFT),
        ("\u{1b}OA", KEY_UP), ("\u{1b}OB", KEY_DOWN), ("\u{1b}OC", KEY_RIGHT), ("\u{1b}OD", KEY_LEFT),
        ("\u{1b}[Z", ca_key_btab()),
        ("\u{1b}[200~", pasteStart), ("\u{1b}[201~", pasteEnd),
    ]

    /// Sets up the current screen's input: keypad, the alternative sequences, the escape delay.
    static func configure(_ window: UnsafeMutablePointer<WINDOW>?) {
        keypad(window, true)
        for (sequence, code) in sequences { define_key(sequence, code) }
        set_escdelay(escapeDelay)
    }

    /// The next key, or `nil` when none came within the window's input timeout.
    static func read(_ window: UnsafeMutablePointer<WINDOW>?) -> Key? {
        var character: wint_t = 0
        let result = wget_wch(window, &character)
        if result == ERR { return nil }
        if result == KEY_CODE_YES {
            let code = Int32(character)
            if code == pasteStart { return readPaste(window) }
            return special(code)
        }
        switch character {
        case 27: return .escape
        case 10, 13: return .enter
        case 9: return .tab
        case 8, 127: return .backspace
        case 3: return .interrupt
        case 1...26: return .control(Character(Unicode.Scalar(UInt8(character) + 96)))
        default:
            guard let scalar = Unicode.Scalar(UInt32(character)), !Sanitized.isControl(scalar) else { return nil }
            return .character(Character(scalar))
        }
    }

    private static func special(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_ENTER: return .enter
        case KEY_BACKSPACE: return .backspace
        case ca_key_dc(): return .delete
        case ca_key_btab(): return .backTab
        case ca_key_resize(): return .resize
        case ca_key_mouse(): return mouse()
        default: return nil
        }
    }

    /// Everything up to the end-of-paste marker, as one key (so a pasted `q` is text, not quit).
    private static func readPaste(_ window: UnsafeMutablePointer<WINDOW>?) -> Key {
        var text = ""
        var character: wint_t = 0
        // Bounded: a terminal that never sends the end marker cannot hang the console.
        for _ in 0..<65_536 {
            let result = wget_wch(window, &character)
            if result == ERR { break }
            if result == KEY_CODE_YES {
                if Int32(character) == pasteEnd { break }
                continue
            }
            if let scalar = Unicode.Scalar(UInt32(character)) { text.unicodeScalars.append(scalar) }
        }
        return .paste(Sanitized.escape(text.replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: "")))
    }

    private static func mouse() -> Key? {
        var event = MEVENT()
        guard getmouse(&event) == OK else { return nil }
        let row = Int(event.y)
        let column = Int(event.x)
        switch ca_mouse_kind(event.bstate) {
        case 1: return .mouse(MouseEvent(kind: .click, row: row, column: column))
        case 2: return .mouse(MouseEvent(kind: .doubleClick, row: row, column: column))
        case 3: return .mouse(MouseEvent(kind: .wheelUp, row: row, column: column))
        case 4: return .mouse(MouseEvent(kind: .wheelDown, row: row, column: column))
        default: return nil
        }
    }
}
