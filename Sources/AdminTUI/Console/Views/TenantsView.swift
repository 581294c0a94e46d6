import AdminCore
import Foundation

/// Tenants: state, product, baseUrl, ages, secret fingerprint, failures in the last hour.
enum TenantsView {
    static let columns: [Table.Column] = [
        .init(title: "CLIENT KEY", width: 16, flexible: true),
        .init(title: "STATE", width: 11),
        .init(title: "PRODUCT", width: 10),
        .init(title: "BASE URL", width: 16, flexible: true),
        .init(title: "INSTALLED", width: 9, minimumTerminalWidth: 110),
        .init(title: "CHANGED", width: 7),
        .init(title: "SECRET", width: 16, minimumTerminalWidth: 100),
        .init(title: "FAIL/1H", width: 7),
    ]

    static func draw(_ state: ConsoleState, on surface: any Surface) {
        var titles = columns
        let marker = surface.unicode ? (state.tenantDescending ? "▼" : "▲") : (state.tenantDescending ? "v" : "^")
        let sortedTitle: String = {
            switch state.tenantSort {
            case .clientKey: return "CLIENT KEY"
            case .baseUrl: return "BASE URL"
            case .productType: return "PRODUCT"
            case .state: return "STATE"
            case .installedAt: return "INSTALLED"
            case .updatedAt: return "CHANGED"
            }
        }()
        let table = Table(columns, totalWidth: surface.columns)
        for index in titles.indices where titles[index].title == sortedTitle { titles[index].title += marker }
        let titleTable = Table(titles, totalWidth: surface.columns)
        surface.put(titleTable.titles(all: titles), row: 2, column: 0, style: .title)

        let list = state.tenants
        let height = state.listHeight
        if list.rows.isEmpty {
            let message = list.loading ? "\(Chrome.spinner(state, unicode: surface.unicode)) loading tenants…"
                : list.error.map { "store error: \($0)" }
                ?? (state.tenantFilter.isEmpty ? "no tenants yet: they appear when a host installs the app" : "no tenant matches /\(state.tenantFilter)")
            surface.put(Cell.fit(Cell.clean(message), surface.columns), row: 3, column: 0, style: list.error == nil ? .dim : .error)
            return
        }
        for (offset, row) in list.rows.dropFirst(list.top).prefix(height).enumerated() {
            let tenant = row.tenant
            let cells = [tenant.clientKey, tenant.state.rawValue, tenant.productType, tenant.baseUrl,
                         Age.short(state.now.timeIntervalSince(tenant.installedAt)), Age.short(state.now.timeIntervalSince(tenant.updatedAt)),
                         tenant.secretFingerprint, row.recentFailures > 0 ? String(row.recentFailures) : "-"]
            let index = list.top + offset
            let style: Style = index == list.selected ? .selected
                : tenant.state == .uninstalled || tenant.state == .disabled ? .dim : .normal
            surface.put(table.line(cells, all: columns), row: 3 + offset, column: 0, style: style)
        }
        if list.loading { surface.put(Chrome.spinner(state, unicode: surface.unicode), row: 2, column: surface.columns - 1, style: .accent) }
        let position = "\(list.selected + 1)/\(list.rows.count)\(state.tenantFilter.isEmpty ? "" : " /\(Cell.clean(state.tenantFilter))")"
        surface.put(position, row: surface.rows - 2, column: max(0, surface.columns - position.count - 1), style: .dim)
    }
}
