import AdminCore
import ConnectCore

extension TenantsModel {
    func draw(on surface: any Surface, _ frame: ScreenFrame) {
        let arrow = surface.unicode ? (descending ? "▼" : "▲") : (descending ? "v" : "^")
        let nothing = filter.isEmpty ? "no tenants yet: they appear when a host installs the app" : "no tenant matches /\(filter)"
        ListView.draw(list, columns: TenantColumns.all, layout: layout, origin: Self.listOrigin ?? 3,
                      marks: [TenantColumns.title(of: sort): arrow], nothing: nothing,
                      extra: filter.isEmpty ? [] : ["/" + filter], frame: frame, on: surface) { row in
            row.tenant.state == .uninstalled || row.tenant.state == .disabled ? .dim : .normal
        }
    }
}
