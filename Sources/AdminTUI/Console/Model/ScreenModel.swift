import AdminCore
import ConnectCore
import Foundation

/// One screen of the console: its state, its key bindings, the store requests it makes and
/// how it takes their answers. `ConsoleCore` only routes to it; its view (in `Views/`) draws it.
protocol ScreenModel: Sendable {
    static var id: ScreenID { get }
    /// The screen's own keys (the global ones are added by `KeyMap`).
    static var bindings: [KeyBinding] { get }
    /// The terminal row where the screen's list starts (for mouse clicks), if it has one.
    static var listOrigin: Int? { get }

    /// Its breadcrumb, e.g. `Tenant jira:abc`.
    var crumb: String { get }
    /// The `/` filter being applied; `nil` when the screen has none.
    var filterText: String? { get }
    /// Waiting for the store (the spinner turns).
    var isLoading: Bool { get }

    mutating func perform(_ action: Action, _ context: inout ScreenContext)
    mutating func receive(_ answer: Answer, _ context: inout ScreenContext)
    /// Asks for fresh data: on a timer while shown (`forced` false: skipped while an answer is
    /// still awaited), on `u`, and when the screen is shown again.
    mutating func refresh(_ context: inout ScreenContext, forced: Bool)
    mutating func setFilter(_ text: String, _ context: inout ScreenContext)
    /// Keys typed into a field being edited; returns false when the screen does not take them.
    mutating func edit(_ key: Key, _ context: inout ScreenContext) -> Bool
    /// New failures seen by the live tail (the Failures screen shows them; others refresh).
    mutating func tailArrived(_ failures: [AuthFailure], _ context: inout ScreenContext)
    mutating func click(row: Int, double: Bool, _ context: inout ScreenContext)
    mutating func resize(_ context: ScreenContext)

    func draw(on surface: any Surface, _ frame: ScreenFrame)
}

extension ScreenModel {
    static var listOrigin: Int? { nil }
    var crumb: String { Self.id.title }
    var filterText: String? { nil }
    var isLoading: Bool { false }
    mutating func setFilter(_ text: String, _ context: inout ScreenContext) {}
    mutating func edit(_ key: Key, _ context: inout ScreenContext) -> Bool { false }
    mutating func tailArrived(_ failures: [AuthFailure], _ context: inout ScreenContext) { refresh(&context, forced: false) }
    mutating func click(row: Int, double: Bool, _ context: inout ScreenContext) {}
    mutating func resize(_ context: ScreenContext) {}
}

/// What a screen sees of the console while it handles a key or an answer, and what it asks
/// the console to do: store requests, a status message, another screen, the clipboard.
struct ScreenContext {
    enum Navigation: Equatable {
        case tenant(String)
        case failure(AuthFailure)
        case lab(TokenLab.Preset)
    }

    struct Confirmation: Equatable, Sendable {
        var prompt: String
        var action: Action
    }

    let now: Date
    /// The terminal's size.
    let rows: Int
    let columns: Int
    let capabilities: StoreCapabilities

    /// User-driven queries (a new generation each) and polls (skipped while one is awaited).
    private(set) var queries: [(slot: Slot, query: Query, poll: Bool)] = []
    var status: String?
    var navigation: Navigation?
    var clipboard: String?
    var confirmation: Confirmation?

    init(now: Date, rows: Int, columns: Int, capabilities: StoreCapabilities = .all) {
        self.now = now
        self.rows = rows
        self.columns = columns
        self.capabilities = capabilities
    }

    /// Rows for a list that starts at `origin` (above the status line and the function bar).
    func listHeight(from origin: Int) -> Int { max(1, rows - origin - 2) }

    mutating func ask(_ slot: Slot, _ query: Query) { queries.append((slot, query, false)) }
    mutating func poll(_ slot: Slot, _ query: Query) { queries.append((slot, query, true)) }
}

/// What a view needs from the console besides its own model.
struct ScreenFrame {
    var now: Date
    var spinnerPhase: Int
    var rate: FailureRate
    var capabilities: StoreCapabilities = .all

    /// A frame of the busy spinner.
    func spinner(unicode: Bool) -> String {
        let frames = unicode ? ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"] : ["|", "/", "-", "\\"]
        return frames[spinnerPhase % frames.count]
    }
}
