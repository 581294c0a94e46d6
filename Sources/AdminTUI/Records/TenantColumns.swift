import AdminCore
import ConnectCore

/// A tenant as a table row: `connect-admin tenants` and the console's Tenants list.
enum TenantColumns {
    static let all: [RecordColumn<TenantRow>] = [
        RecordColumn(title: "CLIENT KEY", width: 16, flexible: true, preferred: 36) { row, _ in row.tenant.clientKey },
        RecordColumn(title: "STATE", width: 11) { row, _ in row.tenant.state.rawValue },
        RecordColumn(title: "PRODUCT", width: 10) { row, _ in row.tenant.productType },
        RecordColumn(title: "BASE URL", width: 16, flexible: true) { row, _ in row.tenant.baseUrl },
        RecordColumn(title: "INSTALLED", width: 9, minimumTerminalWidth: 110) { row, style in row.tenant.installedAt.map(style.age) ?? "-" },
        RecordColumn(title: "CHANGED", width: 7) { row, style in row.tenant.updatedAt.map(style.age) ?? "-" },
        RecordColumn(title: "SECRET", width: 16, minimumTerminalWidth: 100) { row, _ in row.tenant.secretFingerprint },
        RecordColumn(title: "FAIL/1H", width: 7) { row, style in
            guard let count = row.recentFailures else { return "-" }
            return count > 0 || style.now == nil ? String(count) : "-"
        },
    ]

    /// The column a sort applies to.
    static func title(of sort: TenantQuery.SortColumn) -> String {
        switch sort {
        case .clientKey: return "CLIENT KEY"
        case .baseUrl: return "BASE URL"
        case .productType: return "PRODUCT"
        case .state: return "STATE"
        case .installedAt: return "INSTALLED"
        case .updatedAt: return "CHANGED"
        }
    }
}
