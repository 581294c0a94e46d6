/// The console's screens, in the order of their number keys.
enum ScreenID: String, CaseIterable, Sendable {
    case tenants, tenant, history, failures, lab

    var title: String {
        switch self {
        case .tenants: return "Tenants"
        case .tenant: return "Tenant"
        case .history: return "History"
        case .failures: return "Failures"
        case .lab: return "Token lab"
        }
    }

    /// Screens by their number key (`1`–`5`).
    static let numbered: [(Int, ScreenID)] = [(1, .tenants), (2, .history), (3, .failures), (4, .lab), (5, .tenant)]

}
