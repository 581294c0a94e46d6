import AdminCore
import CNcurses
import Foundation

/// The terminal, through ncursesw. Only `ConsoleRuntime`'s loop (one thread) touches it.
final class CursesSurface: Surface {
    private(set) var rows: Int = 24
    private(set) var columns: Int = 80
    let unicode: Bool
    let colors: Bool

    init() {
        setlocale(LC_ALL, "")
        let codeset = String(cString: nl_langinfo(nl_item(CODESET)))
        unicode = codeset.uppercased().replacingOccurrences(of: "-", with: "") == "UTF8"
        initscr()
        cbreak()
        noecho()
        nonl()
        keypad(ca_stdscr(), true)
        curs_set(0)
        // Short: the loop also draws what the store sends back, so it must not sleep long in input.
        wtimeout(ca_stdscr(), 15)
        set_escdelay(25)
        colors = has_colors() && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
        if colors {
            start_color()
            use_default_colors()
            let pairs: [(Style, Int16, Int16)] = [
                (.header, Int16(COLOR_BLACK), Int16(COLOR_CYAN)), (.title, Int16(COLOR_CYAN), -1),
                (.selected, Int16(COLOR_BLACK), Int16(COLOR_YELLOW)), (.dim, Int16(COLOR_WHITE), -1),
                (.warning, Int16(COLOR_YELLOW), -1), (.error, Int16(COLOR_RED), -1), (.ok, Int16(COLOR_GREEN), -1),
                (.accent, Int16(COLOR_MAGENTA), -1), (.functionKey, Int16(COLOR_BLACK), Int16(COLOR_WHITE)),
            ]
            for (style, foreground, background) in pairs { init_pair(Int16(style.rawValue), foreground, background) }
        }
        updateSize()
    }

    func updateSize() {
        rows = Int(ca_getmaxy(ca_stdscr()))
        columns = Int(ca_getmaxx(ca_stdscr()))
    }

    func clear() { werase(ca_stdscr()) }

    func attributes(_ style: Style) -> attr_t {
        if colors {
            let pair = attr_t(ca_color_pair(Int32(style.rawValue)))
            switch style {
            case .title, .header: return pair | ca_a_bold()
            case .normal: return ca_a_normal()
            default: return pair
            }
        }
        // Monochrome / NO_COLOR: attributes only.
        switch style {
        case .header, .selected, .functionKey: return ca_a_reverse()
        case .title, .error, .warning: return ca_a_bold()
        case .dim: return ca_a_dim()
        case .accent, .ok: return ca_a_underline()
        case .normal: return ca_a_normal()
        }
    }

    func put(_ text: String, row: Int, column: Int, style: Style) {
        guard row >= 0, row < rows, column < columns else { return }
        // Never let ncurses wrap: cut to the cells left on the row (the last cell of the
        // last row is left alone, as writing it scrolls some terminals).
        var room = columns - max(0, column)
        if row == rows - 1 { room -= 1 }
        guard room > 0 else { return }
        var clipped = String(text.prefix(room))
        if !unicode { clipped = String(clipped.unicodeScalars.map { $0.isASCII ? Character($0) : "?" }) }
        let attributes = attributes(style)
        wattr_on(ca_stdscr(), attributes, nil)
        mvwaddstr(ca_stdscr(), Int32(row), Int32(max(0, column)), clipped)
        wattr_off(ca_stdscr(), attributes, nil)
    }

    func refresh() { wrefresh(ca_stdscr()) }

    /// The next key, or `nil` after the 15 ms input timeout.
    func readKey() -> Key? {
        var character: wint_t = 0
        let result = wget_wch(ca_stdscr(), &character)
        if result == ERR { return nil }
        if result == KEY_CODE_YES {
            switch Int32(character) {
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
            case ca_key_resize():
                updateSize()
                return .resize
            default: return nil
            }
        }
        switch character {
        case 27: return .escape
        case 10, 13: return .enter
        case 9: return .tab
        case 8, 127: return .backspace
        case 3: return .interrupt
        default:
            guard let scalar = Unicode.Scalar(UInt32(character)), !Sanitized.isControl(scalar) else { return nil }
            return .character(Character(scalar))
        }
    }

    func end() {
        endwin()
    }
}
