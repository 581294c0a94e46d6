import AdminCore
import ConnectCore
import CNcurses
import Foundation

/// The terminal, through ncursesw. Only `ConsoleRuntime`'s loop (one thread) touches it.
final class CursesSurface: Surface {
    private(set) var rows: Int = 24
    private(set) var columns: Int = 80
    let unicode: Bool
    let colors: Bool
    /// Set when `TERM` had no terminfo entry here and a fallback was used: said on the status line.
    let terminalNote: String?
    let mouse: Bool

    /// Terminal types tried, in order, when `TERM`'s own entry is missing (kitty, alacritty or
    /// wezterm over SSH to a host without their terminfo).
    static let fallbackTerminals = ["xterm-256color", "xterm", "vt100"]

    init(mouse: Bool) {
        setlocale(LC_ALL, "")
        let codeset = String(cString: nl_langinfo(nl_item(CODESET)))
        unicode = codeset.uppercased().replacingOccurrences(of: "-", with: "") == "UTF8"
        let wanted = ProcessInfo.processInfo.environment["TERM"] ?? ""
        var note: String?
        var opened = false
        let output = fdopen(STDOUT_FILENO, "w")
        let input = fdopen(STDIN_FILENO, "r")
        for candidate in ([wanted] + Self.fallbackTerminals) where !candidate.isEmpty {
            if let screen = newterm(candidate, output, input) {
                set_term(screen)
                opened = true
                if candidate != wanted {
                    note = "TERM=\(Sanitized.escape(wanted.isEmpty ? "(unset)" : wanted)) has no terminfo entry here; using \(candidate)"
                }
                break
            }
        }
        if !opened {
            FileHandle.standardError.write(Data("connect-admin: no usable terminal type (TERM=\(Sanitized.escape(wanted))); try TERM=xterm\n".utf8))
            exit(2)
        }
        terminalNote = note
        cbreak()
        noecho()
        nonl()
        curs_set(0)
        KeyReader.configure(ca_stdscr())
        // Short: the loop also draws what the store sends back, so it must not sleep long in input.
        wtimeout(ca_stdscr(), 15)
        self.mouse = mouse
        if mouse {
            mousemask(ca_mouse_mask(), nil)
            mouseinterval(200)
        }
        // Bracketed paste: the terminal marks pasted text, so a pasted token is text, not keys.
        Self.write("\u{1b}[?2004h")
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

    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
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
        guard row >= 0, row < rows, column >= 0, column < columns else { return }
        // Never let ncurses wrap: cut to the cells left on the row (the last cell of the
        // last row is left alone, as writing it scrolls some terminals).
        var room = columns - column
        if row == rows - 1 { room -= 1 }
        guard room > 0 else { return }
        var clipped = DisplayWidth.prefix(text, fitting: room).0
        if !unicode {
            // Without a UTF-8 locale: each character becomes as many `?` as the cells it takes.
            clipped = String(clipped.flatMap { $0.isASCII ? [$0] : Array(repeating: "?", count: DisplayWidth.of($0)) })
        }
        let attributes = attributes(style)
        wattr_on(ca_stdscr(), attributes, nil)
        mvwaddstr(ca_stdscr(), Int32(row), Int32(column), clipped)
        wattr_off(ca_stdscr(), attributes, nil)
    }

    func refresh() { wrefresh(ca_stdscr()) }

    func readKey() -> Key? {
        let key = KeyReader.read(ca_stdscr())
        if key == .resize { updateSize() }
        return key
    }

    func end() {
        if mouse { mousemask(0, nil) }
        endwin()
        Self.write("\u{1b}[?2004l")
    }
}
