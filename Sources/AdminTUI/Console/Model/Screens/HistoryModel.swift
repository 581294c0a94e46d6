import AdminCore
import ConnectCore
import Foundation

/// History: every lifecycle callback, newest first; `/` filters the rows shown by the text
/// they show (`rotated`, `REJECTED`, a clientKey), `t` asks the store for one tenant's.
struct HistoryModel: ScreenModel {
    static let id = ScreenID.history
    static let listOrigin: Int? = 3
    static let bindings = KeyMap.list(open: "open the selected event's tenant",
                                      filter: "filter the rows shown by any text on them (rotated, REJECTED, a key)") + [
        KeyBinding(keys: [.character("t")], label: "t", action: .filterTenant, hint: "tenant", help: "only the selected row's tenant", bar: true),
        KeyBinding(keys: [.character("x")], label: "x", action: .clearFilters, hint: "clear", help: "clear every filter", bar: true),
    ]
    static let pageSize = 200

    var list = FilteredList<InstallEvent>(searchText: { event in
        EventColumns.all.map { $0.value(event, .cli) }.joined(separator: " ")
    })
    /// Only this tenant's events (asked of the store).
    var tenant: String?
    var layout = TableLayout()

    var isLoading: Bool { list.loading }

    var filterText: String? { list.filter }

    mutating func perform(_ action: Action, _ context: inout ScreenContext) {
        if list.handleMovement(action) { return }
        if layout.handle(action, columns: EventColumns.columns(for: list.page), rows: Array(list.page), context: context) { return }
        switch action {
        case .open:
            if let event = list.selected { context.navigation = .tenant(event.clientKey) }
        case .filterTenant:
            guard let event = list.selected else { return }
            tenant = event.clientKey
            list.loading = true
            refresh(&context, forced: true)
        case .clearFilters:
            list.setFilter("")
            if tenant != nil {
                tenant = nil
                refresh(&context, forced: true)
            }
        case .refresh:
            refresh(&context, forced: true)
        default: break
        }
    }

    mutating func setFilter(_ text: String, _ context: inout ScreenContext) { list.setFilter(text) }

    mutating func refresh(_ context: inout ScreenContext, forced: Bool) {
        if !list.loaded { list.loading = true }
        let query = Query.history(HistoryQuery(clientKey: tenant, limit: Self.pageSize))
        if forced { context.ask(.history, query) } else { context.poll(.history, query) }
    }

    mutating func receive(_ answer: Answer, _ context: inout ScreenContext) {
        if case .history(let events) = answer { list.replace(events) } else { _ = list.takeProblem(answer) }
    }

    /// History does not change with failures.
    mutating func tailArrived(_ failures: [AuthFailure], _ context: inout ScreenContext) {}

    mutating func click(row: Int, double: Bool, _ context: inout ScreenContext) {
        if list.click(row: row, origin: Self.listOrigin ?? 0), double { perform(.open, &context) }
    }

    mutating func resize(_ context: ScreenContext) {
        list.resize(height: context.listHeight(from: Self.listOrigin ?? 0))
    }
}
