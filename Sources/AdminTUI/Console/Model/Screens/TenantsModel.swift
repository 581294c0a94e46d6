import AdminCore
import ConnectCore
import Foundation

/// Tenants: every installed site, sorted and filtered by the store (there may be 100 000),
/// loaded a page at a time as the selection nears the end.
struct TenantsModel: ScreenModel {
    static let id = ScreenID.tenants
    static let listOrigin: Int? = 3
    static let bindings = KeyMap.list(open: "open the selected tenant",
                                      filter: "filter by clientKey, base URL or description (searches every tenant)") + [
        KeyBinding(keys: [.character("s")], label: "s", action: .sortNext, hint: "sort", help: "sort by the next column", bar: true),
        KeyBinding(keys: [.character("S")], label: "S", action: .sortReverse, hint: "reverse", help: "reverse the sort"),
        KeyBinding(keys: [.character("c")], label: "c", action: .copy, hint: "copy", help: "copy the selected clientKey (OSC 52)"),
        KeyBinding(keys: [.character("x")], label: "x", action: .clearFilters, hint: "clear", help: "clear the filter"),
    ]
    static let pageSize = 200
    /// Above this many loaded rows the timer stops re-reading them (`u` still does).
    static let refreshLimit = 2000

    var list = FilteredList<TenantRow>()
    var filter = ""
    var sort = TenantQuery.SortColumn.clientKey
    var descending = false
    /// Where the next page starts, when there is one.
    var next: TenantQuery.Cursor?
    var layout = TableLayout()
    /// Rows of a foreign store already reported as unreadable.
    private var reportedSkips: Set<String> = []

    var isLoading: Bool { list.loading }

    var filterText: String? { filter }

    func query(limit: Int = pageSize, after cursor: TenantQuery.Cursor? = nil, now: Date) -> TenantQuery {
        TenantQuery(filter: filter.isEmpty ? nil : filter, sort: sort, descending: descending, limit: limit, after: cursor, now: now)
    }

    mutating func perform(_ action: Action, _ context: inout ScreenContext) {
        if list.handleMovement(action) {
            // Near the end of what is loaded: fetch the next page.
            if list.selectedIndex >= list.visible.count - 1, let next {
                context.ask(.tenants, .tenants(query(after: next, now: context.now), append: true))
            }
            return
        }
        if layout.handle(action, columns: TenantColumns.all, rows: Array(list.page), context: context) { return }
        switch action {
        case .open:
            if let row = list.selected { context.navigation = .tenant(row.tenant.clientKey) }
        case .sortNext where !context.capabilities.sorting, .sortReverse where !context.capabilities.sorting:
            context.status = "this store lists tenants in its own order (it has no index for sorting)"
        case .sortNext:
            let all = TenantQuery.SortColumn.allCases
            sort = all[((all.firstIndex(of: sort) ?? 0) + 1) % all.count]
            reload(&context)
        case .sortReverse:
            descending.toggle()
            reload(&context)
        case .copy:
            context.clipboard = list.selected?.tenant.clientKey
            context.status = list.selected == nil ? "nothing to copy" : "copied the clientKey (OSC 52)"
        case .clearFilters:
            setFilter("", &context)
        case .refresh:
            refresh(&context, forced: true)
        default: break
        }
    }

    mutating func reload(_ context: inout ScreenContext) {
        list.loading = true
        context.ask(.tenants, .tenants(query(now: context.now), append: false))
    }

    mutating func setFilter(_ text: String, _ context: inout ScreenContext) {
        guard text != filter else { return }
        filter = text
        reload(&context)
    }

    mutating func refresh(_ context: inout ScreenContext, forced: Bool) {
        if !list.loaded { list.loading = true }
        guard forced || list.rows.count <= Self.refreshLimit else { return }
        let request = Query.tenants(query(limit: max(Self.pageSize, list.rows.count), now: context.now), append: false)
        if forced { context.ask(.tenants, request) } else { context.poll(.tenants, request) }
    }

    mutating func receive(_ answer: Answer, _ context: inout ScreenContext) {
        switch answer {
        case .tenants(let page, let append):
            list.replace(append ? list.rows + page.rows : page.rows)
            next = page.next
            // Said once per row, not on every refresh.
            let new = page.skipped.filter { !reportedSkips.contains($0) }
            reportedSkips.formUnion(new)
            if let first = new.first { context.status = "skipped \(new.count) row(s) that are not tenants: \(first)" }
        default:
            _ = list.takeProblem(answer)
        }
    }

    mutating func click(row: Int, double: Bool, _ context: inout ScreenContext) {
        if list.click(row: row, origin: Self.listOrigin ?? 0), double { perform(.open, &context) }
    }

    mutating func resize(_ context: ScreenContext) {
        list.resize(height: context.listHeight(from: Self.listOrigin ?? 0))
    }
}
