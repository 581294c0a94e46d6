import Foundation
import ConnectCore

/// atlassian-connect-spring-boot's JPA entity `AtlassianHost` (Liquibase changelog): table
/// `atlassian_host`, one row per host keyed by `client_key`, overwritten on reinstall;
/// `addon_installed` is false after an uninstall. Newer versions add columns (`display_url`,
/// `oauth_client_id`, `cloud_id`, `installation_id`, …): those that exist are read.
struct AcsbLayout: ForeignLayout {
    let table: String
    let columns: Set<String>

    static let required = ["client_key", "shared_secret", "base_url"]
    /// Optional text columns and the tenant field each fills.
    static let optional = ["product_type", "description", "display_url", "service_entitlement_number", "oauth_client_id",
                           "cloud_id", "installation_id"]

    init(table: String, columns: Set<String>) throws(StoreError) {
        let missing = Self.required.filter { !columns.contains($0) }
        guard missing.isEmpty else {
            throw StoreError(.unreadable, "table \(table) has no \(missing.joined(separator: ", ")) column: it is not an atlassian-connect-spring-boot atlassian_host table")
        }
        self.table = table
        self.columns = columns
    }

    private var selected: String {
        var parts = ["client_key", "shared_secret", "base_url"]
        parts += Self.optional.map { columns.contains($0) ? $0 : "NULL::text AS \($0)" }
        parts.append(columns.contains("addon_installed") ? "CASE WHEN addon_installed THEN 1 ELSE 0 END AS installed" : "NULL::bigint AS installed")
        parts.append(columns.contains("created_date") ? "\(SQLDialect.postgres.milliseconds("created_date")) AS created_ms" : "NULL::bigint AS created_ms")
        parts.append(columns.contains("last_modified_date") ? "\(SQLDialect.postgres.milliseconds("last_modified_date")) AS updated_ms" : "NULL::bigint AS updated_ms")
        return parts.joined(separator: ", ")
    }

    func page(_ query: TenantQuery) -> SQLStatement? {
        var conditions: [String] = []
        var bindings: [SQLValue] = []
        if let after = query.after {
            conditions.append("client_key > ?")
            bindings.append(.text(after.clientKey))
        }
        if let filter = query.filter, !filter.isEmpty {
            let description = columns.contains("description") ? "lower(coalesce(description, ''))" : "''"
            conditions.append("(lower(client_key) LIKE ? ESCAPE '\\' OR lower(base_url) LIKE ? ESCAPE '\\' OR \(description) LIKE ? ESCAPE '\\')")
            bindings += Array(repeating: SQLDialect.contains(filter), count: 3)
        }
        switch query.state {
        case .installed?: conditions.append(columns.contains("addon_installed") ? "addon_installed" : "TRUE")
        case .uninstalled?: conditions.append(columns.contains("addon_installed") ? "NOT addon_installed" : "FALSE")
        case .enabled?, .disabled?: return nil  // Spring Boot keeps no enabled/disabled state
        case nil: break
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        bindings.append(.integer(Int64(query.limit)))
        return SQLStatement("SELECT \(selected) FROM \"\(table)\"\(whereClause) ORDER BY client_key LIMIT ?", bindings)
    }

    func one(_ clientKey: String) -> SQLStatement {
        SQLStatement("SELECT \(selected) FROM \"\(table)\" WHERE client_key = ?", [.text(clientKey)])
    }

    func one(oauthClientId: String) -> SQLStatement? {
        guard columns.contains("oauth_client_id") else { return nil }
        return SQLStatement("SELECT \(selected) FROM \"\(table)\" WHERE oauth_client_id = ? LIMIT 1", [.text(oauthClientId)])
    }

    func count() -> SQLStatement {
        SQLStatement("SELECT COUNT(*) AS n FROM \"\(table)\"")
    }

    func tenant(_ row: SQLRow) -> Result<Tenant, ForeignRowProblem> {
        guard let clientKey = row.text("client_key") else {
            return .failure(ForeignRowProblem(sentence: "\(table) has a row with no client_key"))
        }
        guard let secret = row.text("shared_secret"), !secret.isEmpty else {
            return .failure(ForeignRowProblem(sentence: "\(table) row \(Sanitized.quote(clientKey)) has no shared_secret"))
        }
        return .success(Tenant(
            clientKey: clientKey, addonKey: "", baseUrl: row.text("base_url") ?? "", displayUrl: row.text("display_url"),
            productType: row.text("product_type") ?? "", description: row.text("description") ?? "",
            serviceEntitlementNumber: row.text("service_entitlement_number"), oauthClientId: row.text("oauth_client_id"),
            cloudId: row.text("cloud_id"), installationId: row.text("installation_id"), secret: .open(SharedSecret(secret)),
            state: row.integer("installed") == 0 ? .uninstalled : .installed,
            installedAt: row.integer("created_ms").map(StoreTime.date), updatedAt: row.integer("updated_ms").map(StoreTime.date)))
    }

    func cursor(after row: SQLRow, _ tenant: Tenant) -> TenantQuery.Cursor {
        TenantQuery.Cursor(sortValue: .text(tenant.clientKey), clientKey: tenant.clientKey)
    }
}
