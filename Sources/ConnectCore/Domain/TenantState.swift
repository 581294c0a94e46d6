/// Where a tenant is in its lifecycle, as the last accepted callback left it.
public enum TenantState: String, Sendable, CaseIterable, Codable {
    case installed, enabled, disabled, uninstalled
}
