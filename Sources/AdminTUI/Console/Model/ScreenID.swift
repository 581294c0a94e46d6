/// The console's screens.
enum ScreenID: String, CaseIterable, Sendable {
    case tenants, tenant, history, failures, failure, lab

    var title: String {
        switch self {
        case .tenants: return "Tenants"
        case .tenant: return "Tenant"
        case .history: return "History"
        case .failures: return "Failures"
        case .failure: return "Failure"
        case .lab: return "Token lab"
        }
    }

    /// The tab title on narrow terminals.
    var shortTitle: String { self == .lab ? "Lab" : title }
}
