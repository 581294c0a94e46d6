import AdminCore
import Foundation

/// Everything the console shows, as plain values: views render it, key handling and data
/// arrivals change it, tests drive it without a terminal.
struct ConsoleState: Sendable {
    enum InputMode: Sendable, Equatable {
        case normal
        case command(String)
        case filter(String)
        case confirmReveal
    }

    struct Header: Sendable {
        var store = ""
        var tenantCount = 0
        var failuresPerMinute = 0.0
        var readOnly = true
    }

    struct TenantDetail: Sendable {
        var clientKey: String?
        var tenant: Tenant?
        var history: [InstallEvent] = []
        var failures: [AuthFailure] = []
        var secrets: [SecretHistoryEntry] = []
        var revealedUntil: Date?
        var loading = false
        var error: String?
    }

    struct Failures: Sendable {
        var list = ListModel<AuthFailure>()
        var following = true
        var tenant: String?
        var reason: ReasonCode?
        /// Failures per minute over the last 30 minutes, oldest first (the sparkline).
        var perMinute: [Int] = Array(repeating: 0, count: 30)
        var lastID: Int64 = 0
        /// Set once the first page has arrived: the tail starts after its newest row.
        var primed = false
    }

    var stack: [ScreenID] = [.tenants]
    var screen: ScreenID { stack.last ?? .tenants }
    var input = InputMode.normal
    var showHelp = false
    var status: String?
    /// The store's last failure: on the status line (under any message a key leaves) until
    /// a request succeeds again, so it neither lingers after recovery nor vanishes on a key.
    var storeProblem: String?
    var rows = 24
    var columns = 80
    var now = Date()
    var header = Header()
    var spinnerPhase = 0

    var tenants = ListModel<TenantRow>()
    var tenantFilter = ""
    var tenantSort = TenantQuery.SortColumn.clientKey
    var tenantDescending = false
    var detail = TenantDetail()
    var history = ListModel<InstallEvent>()
    var historyFilter = ""
    var historyTenant: String?
    var failures = Failures()
    var failureFilter = ""
    var lab = TokenLab()
    var commandHistory: [String] = []

    /// Rows available to a list below the header, column titles and above the status lines.
    var listHeight: Int { max(1, rows - 5) }

    /// The smallest terminal the console draws in.
    static let minimumRows = 16
    static let minimumColumns = 64

    /// Breadcrumbs: `Tenants > Tenant jira:abc`.
    var breadcrumbs: String {
        stack.map { screen in
            screen == .tenant ? "Tenant \(detail.clientKey.map(Cell.clean) ?? "")" : screen.title
        }.joined(separator: " > ")
    }
}
