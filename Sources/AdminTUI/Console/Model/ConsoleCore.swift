import AdminCore
import ConnectCore
import Foundation

/// The console without a terminal: the screen stack, input modes, status line and the routing
/// of keys and store answers to the screen models. Pure enough to test key by key.
struct ConsoleCore: Sendable {
    enum InputMode: Sendable, Equatable {
        case normal
        case command(LineEditor)
        case filter(LineEditor)
        case confirm(ScreenContext.Confirmation)
    }

    struct Header: Sendable {
        var store = ""
        var tenantCount: Int?
        var readOnly = true
    }

    var screens = ScreenSet()
    private(set) var stack: [ScreenID] = [.tenants]
    var screen: ScreenID { stack.last ?? .tenants }
    var input = InputMode.normal
    /// `?` help, and how far it is scrolled.
    var help: Int?
    var status: String?
    /// The store's last failure: on the status line (under any message a key leaves) until a
    /// request succeeds again, so it neither lingers after recovery nor vanishes on a key.
    var storeProblem: String?
    private(set) var rows = 24
    private(set) var columns = 80
    var now = Date()
    var header = Header()
    var rate = FailureRate()
    /// What the store keeps besides tenants (another framework's store keeps no history or failures).
    var capabilities = StoreCapabilities.all
    var spinnerPhase = 0
    var commandHistory: [String] = []
    /// Set when the user asked to quit.
    var quit = false
    /// A value to copy to the clipboard (OSC 52), picked up by the runtime.
    var clipboard: String?

    /// The current generation of each slot; an answer with another is stale and dropped.
    private(set) var generations: [Slot: Int] = [:]
    /// Slots with a request whose answer has not arrived: polls skip them.
    private(set) var awaited: Set<Slot> = []
    /// Where the live tail goes on (the newest failure id seen); `nil` until the header said.
    private(set) var tailCursor: Int64?
    /// The store said failures were written while a tail read was running (which may have
    /// started before they were committed): read again when it answers.
    private var tailWanted = false
    private var lastPoll = Date.distantPast
    private var lastHeader = Date.distantPast

    /// How often the shown screen re-reads the store, and the header its counts.
    static let pollInterval: TimeInterval = 1.5
    static let headerInterval: TimeInterval = 2

    /// The smallest terminal the console draws in.
    static let minimumRows = 16
    static let minimumColumns = 64

    // MARK: - Lifecycle

    /// The requests to make when the console starts: the first screen's rows first; the
    /// header's counts are the slowest and can wait.
    mutating func start() -> [DataRequest] {
        lastPoll = now
        lastHeader = now
        return route(.tenants) { $0.refresh(&$1, forced: true) } + issue([(.header, .header, false)])
    }

    /// Called every ~250 ms: the live tail, then on their intervals the shown screen and the header.
    mutating func tick(now: Date) -> [DataRequest] {
        self.now = now
        spinnerPhase += 1
        var queries: [(Slot, Query, Bool)] = []
        if let tailCursor { queries.append((.tail, .tail(after: tailCursor), true)) }
        if now.timeIntervalSince(lastHeader) >= Self.headerInterval {
            lastHeader = now
            queries.append((.header, .header, true))
        }
        var requests = issue(queries)
        if now.timeIntervalSince(lastPoll) >= Self.pollInterval {
            lastPoll = now
            requests += route(screen) { $0.refresh(&$1, forced: false) }
        }
        return requests
    }

    /// The store's watch saw failures written: read the tail now, or right after the read
    /// that is running. Wake-ups never interrupt a running read (a flood of them would make
    /// every answer stale), they are folded into one more read.
    mutating func failuresMayHaveChanged() -> [DataRequest] {
        guard let tailCursor else { return [] }
        if awaited.contains(.tail) {
            tailWanted = true
            return []
        }
        return issue([(.tail, .tail(after: tailCursor), true)])
    }

    mutating func resize(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        let context = makeContext()
        for id in ScreenID.allCases { screens[id].resize(context) }
    }

    // MARK: - Keys

    mutating func handle(_ key: Key) -> [DataRequest] {
        if key == .interrupt { quit = true; return [] }
        if key == .resize { return [] }
        if case .mouse(let event) = key { return mouse(event) }
        switch input {
        case .command(var editor):
            if editor.handle(key) { input = .command(editor); return [] }
            return commandKey(key, editor)
        case .filter(var editor):
            if editor.handle(key) {
                input = .filter(editor)
                return route(screen) { $0.setFilter(editor.text, &$1) }
            }
            // Enter keeps the filter; Esc drops it.
            if key == .escape { input = .normal; return route(screen) { $0.setFilter("", &$1) } }
            if key == .enter { input = .normal }
            return []
        case .confirm(let confirmation):
            input = .normal
            guard key == .character("y") || key == .character("Y") else { status = "cancelled"; return [] }
            return route(screen) { $0.perform(confirmation.action, &$1) }
        case .normal:
            break
        }
        if help != nil { return helpKey(key) }
        // A field being edited takes the keys it understands (q types a q).
        var taken = false
        let edited = route(screen) { taken = $0.edit(key, &$1) }
        if taken { return edited }
        guard let action = KeyMap.action(for: key, on: screen) else { return [] }
        return perform(action)
    }

    mutating func perform(_ action: Action) -> [DataRequest] {
        status = nil
        switch action {
        case .quit: quit = true
        case .help: help = 0
        case .command: input = .command(LineEditor())
        case .filter:
            guard let text = screens[screen].filterText else { return [] }
            input = .filter(LineEditor(text))
        case .back:
            if let text = screens[screen].filterText, !text.isEmpty {
                status = "filter cleared (Esc again to go back)"
                return route(screen) { $0.setFilter("", &$1) }
            }
            if stack.count > 1 {
                stack.removeLast()
                return route(screen) { $0.refresh(&$1, forced: false) }
            }
        case .screen(let id): return show(id)
        default:
            return route(screen) { $0.perform(action, &$1) }
        }
        return []
    }

    /// Help lines shown at once on a terminal of `rows` (the box leaves the chrome visible).
    static func helpPage(rows: Int) -> Int { max(1, rows - 6) }

    private mutating func helpKey(_ key: Key) -> [DataRequest] {
        let page = Self.helpPage(rows: rows)
        let last = max(0, KeyMap.helpLines(for: screen, width: KeyMap.helpWidth(columns: columns)).count - page)
        switch KeyMap.action(for: key, on: screen) {
        case .up?: help = max(0, (help ?? 0) - 1)
        case .down?: help = min(last, (help ?? 0) + 1)
        case .pageUp?: help = max(0, (help ?? 0) - page)
        case .pageDown?: help = min(last, (help ?? 0) + page)
        case .home?: help = 0
        case .end?: help = last
        case .quit?, .back?, .help?: help = nil
        default: break
        }
        return []
    }

    private mutating func commandKey(_ key: Key, _ editor: LineEditor) -> [DataRequest] {
        switch key {
        case .escape: input = .normal
        case .tab:
            // Completion: the first command that starts with what is typed.
            let typed = editor.text
            if !typed.isEmpty, let match = KeyMap.commands(on: screen).first(where: { $0.0.hasPrefix(typed) }) {
                input = .command(LineEditor(match.0))
            }
        case .up:
            if let last = commandHistory.last { input = .command(LineEditor(last)) }
        case .enter:
            input = .normal
            return runCommand(editor.text.trimmingCharacters(in: .whitespaces))
        default: break
        }
        return []
    }

    mutating func runCommand(_ text: String) -> [DataRequest] {
        guard !text.isEmpty else { return [] }
        commandHistory.append(text)
        let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
        let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : nil
        guard let action = KeyMap.commands(on: screen).first(where: { $0.0 == parts[0] })?.1 else {
            let names = KeyMap.commands(on: screen).map { ":" + $0.0 }.joined(separator: " ")
            status = "unknown command :\(Cell.clean(parts[0])) (try \(names))"
            return []
        }
        switch (action, argument) {
        case (.screen(.tenant), let key?): return navigate(.tenant(key))
        case (.screen(.lab), let key?): return navigate(.lab(TokenLab.Preset(tenant: key)))
        default: return perform(action)
        }
    }

    private mutating func mouse(_ event: MouseEvent) -> [DataRequest] {
        guard case .normal = input else { return [] }
        if help != nil {
            switch event.kind {
            case .wheelUp: return helpKey(.up)
            case .wheelDown: return helpKey(.down)
            default: help = nil; return []
            }
        }
        switch event.kind {
        case .wheelUp: return (0..<3).flatMap { _ in route(screen) { $0.perform(.up, &$1) } }
        case .wheelDown: return (0..<3).flatMap { _ in route(screen) { $0.perform(.down, &$1) } }
        case .click, .doubleClick:
            if event.row == 1, let tab = tabs.first(where: { $0.columns.contains(event.column) }) {
                return show(tab.screen)
            }
            return route(screen) { $0.click(row: event.row, double: event.kind == .doubleClick, &$1) }
        }
    }

    // MARK: - Screens

    mutating func show(_ id: ScreenID) -> [DataRequest] {
        if id == .tenant && screens.tenant.clientKey == nil {
            status = "open a tenant first (Enter on a row of Tenants)"
            return []
        }
        if id == .failure && screens.failure.failure == nil {
            status = "open a failure first (Enter on a row of Failures)"
            return []
        }
        if let index = stack.firstIndex(of: id) {
            stack.removeSubrange((index + 1)...)
        } else {
            stack.append(id)
        }
        return route(id) { $0.refresh(&$1, forced: false) }
    }

    private mutating func navigate(_ navigation: ScreenContext.Navigation) -> [DataRequest] {
        switch navigation {
        case .tenant(let key):
            if let index = stack.firstIndex(of: .tenant) { stack.removeSubrange(index...) }
            return openTenant(key)
        case .failure(let failure):
            screens.failure.show(failure)
            if let index = stack.firstIndex(of: .failure) { stack.removeSubrange(index...) }
            stack.append(.failure)
            return []
        case .lab(let preset):
            screens.lab.apply(preset)
            return show(.lab)
        }
    }

    private mutating func openTenant(_ key: String) -> [DataRequest] {
        stack.append(.tenant)
        var context = makeContext()
        screens.tenant.open(key, &context)
        return finish(context, from: .tenant)
    }

    // MARK: - Answers

    /// Takes a store answer: a stale one (its slot has a newer request) is dropped here, the one
    /// place that decides it; the rest go to the slot's owner.
    mutating func receive(_ answer: DataAnswer) -> [DataRequest] {
        guard generations[answer.slot] == answer.generation else { return [] }
        awaited.remove(answer.slot)
        if case .failed(let message) = answer.answer { storeProblem = message } else { storeProblem = nil }
        var requests = deliver(answer)
        if answer.slot == .tail, tailWanted {
            tailWanted = false
            requests += failuresMayHaveChanged()
        }
        return requests
    }

    private mutating func deliver(_ answer: DataAnswer) -> [DataRequest] {
        switch (answer.slot, answer.answer) {
        case (.header, .header(let count, let rate, let newest, let capabilities)):
            header.tenantCount = count
            self.rate = rate
            self.capabilities = capabilities
            if tailCursor == nil { tailCursor = newest }
            return []
        case (.tail, .tail(let failures)):
            guard let last = failures.last else { return [] }
            tailCursor = max(tailCursor ?? 0, last.id)
            var requests = route(.failures) { $0.tailArrived(failures, &$1) }
            if screen != .failures { requests += route(screen) { $0.tailArrived(failures, &$1) } }
            return requests
        case (let slot, let result):
            guard let owner = slot.owner else { return [] }
            return route(owner) { $0.receive(result, &$1) }
        }
    }

    // MARK: - Routing

    func makeContext() -> ScreenContext { ScreenContext(now: now, rows: rows, columns: columns, capabilities: capabilities) }

    /// Runs `body` on a screen's model and carries out what it asked for.
    private mutating func route(_ id: ScreenID, _ body: (inout any ScreenModel, inout ScreenContext) -> Void) -> [DataRequest] {
        var context = makeContext()
        var model = screens[id]
        body(&model, &context)
        screens[id] = model
        return finish(context, from: id)
    }

    private mutating func finish(_ context: ScreenContext, from id: ScreenID) -> [DataRequest] {
        if let message = context.status { status = message }
        if let value = context.clipboard { clipboard = value }
        if let confirmation = context.confirmation { input = .confirm(confirmation) }
        var requests = issue(context.queries)
        if let navigation = context.navigation { requests += navigate(navigation) }
        return requests
    }

    /// Stamps queries with a new generation of their slot (polls of an awaited slot are skipped).
    private mutating func issue(_ queries: [(slot: Slot, query: Query, poll: Bool)]) -> [DataRequest] {
        queries.compactMap { slot, query, poll in
            if poll && awaited.contains(slot) { return nil }
            let generation = (generations[slot] ?? 0) + 1
            generations[slot] = generation
            awaited.insert(slot)
            return DataRequest(slot: slot, generation: generation, query: query)
        }
    }

    // MARK: - For views

    /// The tabs, right-aligned on the second row, with the columns each covers (drawn by
    /// `Chrome`, hit by clicks). Narrow terminals get short titles.
    var tabs: [(screen: ScreenID, text: String, columns: Range<Int>)] {
        let texts = KeyMap.tabs.map { tab in
            (tab.screen, columns >= 100 ? " \(tab.label) \(tab.screen.title) " : " \(tab.label) \(tab.screen.shortTitle)")
        }
        var column = columns - texts.reduce(0) { $0 + DisplayWidth.of($1.1) }
        return texts.map { screen, text in
            defer { column += DisplayWidth.of(text) }
            return (screen, text, column..<(column + DisplayWidth.of(text)))
        }
    }

    /// Whether the shown screen waits for an answer (its spinner turns).
    var loading: Bool { screens[screen].isLoading }

    /// Breadcrumbs: `Tenants > Tenant jira:abc`.
    var breadcrumbs: String { stack.map { screens[$0].crumb }.joined(separator: " > ") }

    var frame: ScreenFrame {
        ScreenFrame(now: now, spinnerPhase: spinnerPhase, rate: rate, capabilities: capabilities)
    }
}
