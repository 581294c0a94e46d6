/// The one key table: the input loop dispatches through it and `?` help is generated from it,
/// so the help can never disagree with what the keys do.
enum Key: Hashable, Sendable {
    case character(Character)
    case up, down, pageUp, pageDown, home, end, left, right
    case enter, escape, tab, backspace
    case resize
    case interrupt
}

enum Action: Sendable, Equatable {
    case quit, back, help, command, filter
    case up, down, pageUp, pageDown, home, end
    case open
    case screen(ScreenID)
    case sortNext, sortReverse
    case toggleFollow
    case filterTenant, filterReason, clearFilters
    case reveal, copy
    case labMode, labNextField
    case refresh
}

struct KeyBinding: Sendable {
    var keys: [Key]
    var label: String
    var action: Action
    /// One word for the function bar.
    var hint: String
    var help: String
    /// `nil`: everywhere; else only on these screens.
    var screens: Set<ScreenID>?
}

enum KeyMap {
    static let bindings: [KeyBinding] = [
        KeyBinding(keys: [.character("q")], label: "q", action: .quit, hint: "quit", help: "quit", screens: nil),
        KeyBinding(keys: [.escape], label: "Esc", action: .back, hint: "back", help: "back (close help, leave input, previous screen)", screens: nil),
        KeyBinding(keys: [.character("?")], label: "?", action: .help, hint: "help", help: "this help", screens: nil),
        KeyBinding(keys: [.character(":")], label: ":", action: .command, hint: "cmd", help: "command: :tenants :history :failures :lab :tenant KEY :q", screens: nil),
        KeyBinding(keys: [.character("/")], label: "/", action: .filter, hint: "filter", help: "filter the list (incremental)", screens: [.tenants, .history, .failures]),
        KeyBinding(keys: [.up, .character("k")], label: "Up k", action: .up, hint: "up", help: "move up", screens: nil),
        KeyBinding(keys: [.down, .character("j")], label: "Down j", action: .down, hint: "down", help: "move down", screens: nil),
        KeyBinding(keys: [.pageUp], label: "PgUp", action: .pageUp, hint: "pgup", help: "page up", screens: nil),
        KeyBinding(keys: [.pageDown], label: "PgDn", action: .pageDown, hint: "pgdn", help: "page down", screens: nil),
        KeyBinding(keys: [.home, .character("g")], label: "Home g", action: .home, hint: "top", help: "first row", screens: nil),
        KeyBinding(keys: [.end, .character("G")], label: "End G", action: .end, hint: "bottom", help: "last row", screens: nil),
        KeyBinding(keys: [.enter], label: "Enter", action: .open, hint: "open", help: "open the selected tenant / run the lab", screens: [.tenants, .history, .failures, .lab]),
        KeyBinding(keys: [.character("1")], label: "1", action: .screen(.tenants), hint: "tenants", help: "Tenants", screens: nil),
        KeyBinding(keys: [.character("2")], label: "2", action: .screen(.history), hint: "history", help: "History", screens: nil),
        KeyBinding(keys: [.character("3")], label: "3", action: .screen(.failures), hint: "failures", help: "Failures", screens: nil),
        KeyBinding(keys: [.character("4")], label: "4", action: .screen(.lab), hint: "lab", help: "Token lab", screens: nil),
        KeyBinding(keys: [.character("5")], label: "5", action: .screen(.tenant), hint: "tenant", help: "Tenant (the last one opened)", screens: nil),
        KeyBinding(keys: [.character("s")], label: "s", action: .sortNext, hint: "sort", help: "sort by the next column", screens: [.tenants]),
        KeyBinding(keys: [.character("S")], label: "S", action: .sortReverse, hint: "reverse", help: "reverse the sort", screens: [.tenants]),
        KeyBinding(keys: [.character("f")], label: "f", action: .toggleFollow, hint: "follow", help: "follow / pause the live tail", screens: [.failures]),
        KeyBinding(keys: [.character("t")], label: "t", action: .filterTenant, hint: "tenant", help: "only the selected row's tenant", screens: [.failures, .history]),
        KeyBinding(keys: [.character("r")], label: "r", action: .filterReason, hint: "reason", help: "only the selected row's reason", screens: [.failures]),
        KeyBinding(keys: [.character("x")], label: "x", action: .clearFilters, hint: "clear", help: "clear tenant/reason filters", screens: [.failures, .history]),
        KeyBinding(keys: [.character("R")], label: "R", action: .reveal, hint: "reveal", help: "reveal the secret (asks first; hides again after 10 s)", screens: [.tenant]),
        KeyBinding(keys: [.character("c")], label: "c", action: .copy, hint: "copy", help: "copy clientKey / fingerprint / token (OSC 52)", screens: [.tenant, .lab, .tenants]),
        KeyBinding(keys: [.character("m")], label: "m", action: .labMode, hint: "mode", help: "switch sign / verify", screens: [.lab]),
        KeyBinding(keys: [.tab], label: "Tab", action: .labNextField, hint: "field", help: "next field", screens: [.lab]),
        KeyBinding(keys: [.character("l")], label: "l", action: .screen(.lab), hint: "lab", help: "token lab for this tenant", screens: [.tenant]),
        KeyBinding(keys: [.character("u")], label: "u", action: .refresh, hint: "reload", help: "reload from the store", screens: nil),
    ]

    /// The action for `key` on `screen`: screen-specific bindings first.
    static func action(for key: Key, on screen: ScreenID) -> Action? {
        let matching = bindings.filter { $0.keys.contains(key) }
        return (matching.first { $0.screens?.contains(screen) == true } ?? matching.first { $0.screens == nil })?.action
    }

    /// Help lines for a screen, straight from the table.
    static func help(for screen: ScreenID) -> [(String, String)] {
        bindings(for: screen).map { ($0.label, $0.help) }
    }

    static func bindings(for screen: ScreenID) -> [KeyBinding] {
        bindings.filter { $0.screens == nil || $0.screens?.contains(screen) == true }
    }
}
