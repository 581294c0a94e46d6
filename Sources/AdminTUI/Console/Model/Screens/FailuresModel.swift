import AdminCore
import ConnectCore
import Foundation

/// Failures: the live tail of authentication failures. While following, new rows appear at
/// the top; moving the selection pauses it so the row under the cursor stays put.
struct FailuresModel: ScreenModel {
    static let id = ScreenID.failures
    static let listOrigin: Int? = 4
    static let bindings = KeyMap.list(open: "open the selected failure (every field)",
                                      filter: "filter the rows shown by any text on them (a reason, a path, a key)") + [
        KeyBinding(keys: [.character("f")], label: "f", action: .toggleFollow, hint: "follow", help: "follow / pause the live tail", bar: true),
        KeyBinding(keys: [.character("t")], label: "t", action: .filterTenant, hint: "tenant", help: "only the selected row's tenant", bar: true),
        KeyBinding(keys: [.character("r")], label: "r", action: .filterReason, hint: "reason", help: "only the selected row's reason", bar: true),
        KeyBinding(keys: [.character("x")], label: "x", action: .clearFilters, hint: "clear", help: "clear every filter", bar: true),
    ]
    static let pageSize = 200
    /// Rows kept while following.
    static let keep = 1000

    var list = FailuresModel.makeList()
    var following = true
    var tenant: String?
    var reason: ReasonCode?
    /// The newest id shown: tail rows after it are new.
    private(set) var newestID: Int64 = 0
    /// New rows the tail saw while paused.
    private(set) var unseen = 0
    /// Rows the tail saw while a page was being read: merged once it arrives, so a row
    /// written between the page's read and its arrival is not lost.
    private var early: [AuthFailure] = []
    var layout = TableLayout()

    static func makeList() -> FilteredList<AuthFailure> {
        FilteredList(searchText: { failure in
            // The time as the CLI writes it and as the tail shows it.
            (FailureColumns.all.map { $0.value(failure, .cli) } + [RecordRendering.clockTime(failure.at)]).joined(separator: " ")
        })
    }

    var isLoading: Bool { list.loading }

    var filterText: String? { list.filter }

    var query: FailureQuery { FailureQuery(clientKey: tenant, reason: reason, limit: Self.pageSize) }

    mutating func perform(_ action: Action, _ context: inout ScreenContext) {
        let before = list.selectedIndex
        if list.handleMovement(action) {
            if following, list.selectedIndex != before {
                following = false
                context.status = "paused while you browse (f to follow again)"
            }
            return
        }
        if layout.handle(action, columns: FailureColumns.all, rows: Array(list.page), context: context) { return }
        switch action {
        case .open:
            if let failure = list.selected { context.navigation = .failure(failure) }
        case .toggleFollow:
            following.toggle()
            context.status = following ? "following new failures" : "paused: new failures are not shown until f"
            if following { reload(&context) }
        case .filterTenant:
            guard let failure = list.selected else { return }
            guard let key = failure.clientKey else { context.status = "this failure names no tenant"; return }
            tenant = key
            reload(&context)
        case .filterReason:
            guard let failure = list.selected else { return }
            reason = failure.reason
            reload(&context)
        case .clearFilters:
            list.setFilter("")
            tenant = nil
            reason = nil
            reload(&context)
        case .refresh:
            reload(&context)
        default: break
        }
    }

    /// Reads the newest page again (after a filter change, or to catch up after a pause).
    mutating func reload(_ context: inout ScreenContext) {
        list.loading = true
        early = []
        unseen = 0
        context.ask(.failures, .failures(query))
    }

    mutating func setFilter(_ text: String, _ context: inout ScreenContext) { list.setFilter(text) }

    /// The tail keeps the list live; only a list never loaded is read here.
    mutating func refresh(_ context: inout ScreenContext, forced: Bool) {
        if forced || !list.loaded && !list.loading { reload(&context) }
    }

    mutating func receive(_ answer: Answer, _ context: inout ScreenContext) {
        switch answer {
        case .failures(let rows, let newest):
            list.replace(Self.newestFirst(rows))
            newestID = newest
            let waiting = early
            early = []
            tailArrived(waiting, &context)
            if following { list.select(at: 0) }
        case .unavailable, .failed:
            _ = list.takeProblem(answer)
            let waiting = early
            early = []
            tailArrived(waiting, &context)
        default: break
        }
    }

    mutating func tailArrived(_ failures: [AuthFailure], _ context: inout ScreenContext) {
        if list.loading {
            early = Array((early + failures).suffix(Self.keep))
            return
        }
        guard list.loaded else { return }
        let new = failures.filter { $0.id > newestID && (tenant == nil || $0.clientKey == tenant) && (reason == nil || $0.reason == reason) }
        newestID = max(newestID, failures.last?.id ?? 0)
        guard !new.isEmpty else { return }
        guard following else { unseen += new.count; return }
        list.replace(Array(Self.newestFirst(new + list.rows).prefix(Self.keep)))
        list.select(at: 0)
    }

    /// Newest first by time, ties by id. Ids are the order rows were written, not the order
    /// they happened: a batch written late, or a folded row (which carries its last
    /// occurrence, and is written when its window closes), has newer ids than rows it is older
    /// than. The tail sorts them into place rather than stacking them on top.
    static func newestFirst(_ rows: [AuthFailure]) -> [AuthFailure] {
        rows.sorted { $0.at != $1.at ? $0.at > $1.at : $0.id > $1.id }
    }

    mutating func click(row: Int, double: Bool, _ context: inout ScreenContext) {
        guard list.click(row: row, origin: Self.listOrigin ?? 0) else { return }
        if following {
            following = false
            context.status = "paused while you browse (f to follow again)"
        }
        if double { perform(.open, &context) }
    }

    mutating func resize(_ context: ScreenContext) {
        list.resize(height: context.listHeight(from: Self.listOrigin ?? 0))
    }
}
