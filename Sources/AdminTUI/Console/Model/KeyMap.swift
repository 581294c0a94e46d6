/// What a key does. Screens and the console act on actions, never on raw keys, so the key
/// table is the one place that says which key does what.
enum Action: Hashable, Sendable {
    case quit, back, help, command, filter, refresh
    case up, down, pageUp, pageDown, home, end, left, right
    case open
    case screen(ScreenID)
    case sortNext, sortReverse
    case toggleFollow
    case filterTenant, filterReason, clearFilters
    case reveal, revealConfirmed, copy, wide
    case labMode, labNextField, labPreviousField
    case openTenant, openLab
}

/// One row of the key table. Help, the function bar, the tabs and the `:` commands are all
/// generated from these rows, so none of them can disagree with what the keys do.
struct KeyBinding: Sendable {
    var keys: [Key]
    var label: String
    var action: Action
    /// One word for the function bar.
    var hint: String
    var help: String
    /// Shown in the function bar (the screen's own keys first).
    var bar = false
    /// The `:` command that does the same, if any.
    var command: String?
}

enum KeyMap {
    /// Keys that work on every screen (a screen's own binding for the same key wins).
    static let global: [KeyBinding] = [
        KeyBinding(keys: [.character("?")], label: "?", action: .help, hint: "help", help: "this help (scrolls with Up/Down)", bar: true, command: "help"),
        KeyBinding(keys: [.character(":")], label: ":", action: .command, hint: "cmd",
                   help: "command: :tenants :history :failures :lab [KEY] :tenant KEY :help :q"),
        KeyBinding(keys: [.character("u")], label: "u", action: .refresh, hint: "reload", help: "reload now (every view also reloads itself)", bar: true),
        KeyBinding(keys: [.escape], label: "Esc", action: .back, hint: "back", help: "back: close help, clear the filter, then the previous screen"),
        KeyBinding(keys: [.character("q")], label: "q", action: .quit, hint: "quit", help: "quit", bar: true, command: "quit"),
        KeyBinding(keys: [.up, .character("k")], label: "Up k", action: .up, hint: "up", help: "move up"),
        KeyBinding(keys: [.down, .character("j")], label: "Down j", action: .down, hint: "down", help: "move down"),
        KeyBinding(keys: [.pageUp], label: "PgUp", action: .pageUp, hint: "pgup", help: "page up"),
        KeyBinding(keys: [.pageDown], label: "PgDn", action: .pageDown, hint: "pgdn", help: "page down"),
        KeyBinding(keys: [.home, .character("g")], label: "Home g", action: .home, hint: "top", help: "first row"),
        KeyBinding(keys: [.end, .character("G")], label: "End G", action: .end, hint: "bottom", help: "last row"),
        KeyBinding(keys: [.character("1")], label: "1", action: .screen(.tenants), hint: "tenants", help: "Tenants", command: "tenants"),
        KeyBinding(keys: [.character("2")], label: "2", action: .screen(.history), hint: "history", help: "History", command: "history"),
        KeyBinding(keys: [.character("3")], label: "3", action: .screen(.failures), hint: "failures", help: "Failures", command: "failures"),
        KeyBinding(keys: [.character("4")], label: "4", action: .screen(.lab), hint: "lab", help: "Token lab", command: "lab"),
        KeyBinding(keys: [.character("5")], label: "5", action: .screen(.tenant), hint: "tenant", help: "Tenant (the last one opened)", command: "tenant"),
    ]

    /// Bindings shared by the list screens.
    static func list(open: String, filter: String) -> [KeyBinding] {
        [
            KeyBinding(keys: [.enter], label: "Enter", action: .open, hint: "open", help: open, bar: true),
            KeyBinding(keys: [.character("/")], label: "/", action: .filter, hint: "filter", help: filter, bar: true),
            KeyBinding(keys: [.character("w")], label: "w", action: .wide, hint: "wide", help: "wide mode: whole cells, Left/Right scroll"),
            KeyBinding(keys: [.left, .right], label: "Left Right", action: .right, hint: "scroll", help: "scroll sideways (Right turns wide mode on)"),
        ]
    }

    /// The table for one screen: its own bindings, then the global ones.
    static func bindings(for screen: ScreenID) -> [KeyBinding] {
        ScreenSet.bindings(for: screen) + global
    }

    /// The action for `key` on `screen`: the screen's own binding first. `Left` and `Right`
    /// share a row; the key decides the direction.
    static func action(for key: Key, on screen: ScreenID) -> Action? {
        guard let action = bindings(for: screen).first(where: { $0.keys.contains(key) })?.action else { return nil }
        if key == .left, action == .right { return .left }
        return action
    }

    /// Help lines for a screen, straight from the table.
    static func help(for screen: ScreenID) -> [(String, String)] {
        bindings(for: screen).map { ($0.label, $0.help) }
    }

    /// The help as drawn in a box `width` cells wide: long descriptions wrap under themselves.
    static func helpLines(for screen: ScreenID, width: Int) -> [(String, String)] {
        help(for: screen).flatMap { label, text in
            Cell.wrap(text, max(10, width - 14)).enumerated().map { index, line in (index == 0 ? label : "", line) }
        }
    }

    /// The width of the help box on a terminal `columns` wide.
    static func helpWidth(columns: Int) -> Int { min(columns - 4, 76) }

    /// The tabs: the global bindings that switch screens.
    static let tabs: [(label: String, screen: ScreenID)] = global.compactMap { binding in
        if case .screen(let screen) = binding.action { return (binding.label, screen) }
        return nil
    }

    /// The `:` commands, with the action each runs.
    static func commands(on screen: ScreenID) -> [(String, Action)] {
        bindings(for: screen).compactMap { binding in binding.command.map { ($0, binding.action) } } + [("q", .quit)]
    }
}
