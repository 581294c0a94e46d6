import Foundation
import ConnectCore

/// atlassian-connect-express's Sequelize store (`lib/store/sequelize.js`): table
/// `AddonSettings` with `id`, `clientKey`, `key`, `val`; one row per tenant with
/// `key = 'clientInfo'` whose `val` is the raw `/installed` body as JSON (JSON text on SQLite,
/// the `JSON` type on PostgreSQL). Rows under other keys, or with no clientKey, are the
/// app's own data, not tenants. ACE keeps no state (every tenant is `installed`) and, since
/// 2.x, no timestamps; stores created by older versions have `createdAt`/`updatedAt`.
struct AceLayout: ForeignLayout {
    let table: String
    let dialect: SQLDialect
    let timestamps: Bool

    static let required = ["id", "clientKey", "key", "val"]

    init(table: String, columns: Set<String>, dialect: SQLDialect) throws(StoreError) {
        let missing = Self.required.filter { !columns.contains($0) }
        guard missing.isEmpty else {
            throw StoreError(.unreadable, "table \(table) has no \(missing.joined(separator: ", ")) column: it is not an atlassian-connect-express AddonSettings table")
        }
        self.table = table
        self.dialect = dialect
        timestamps = columns.contains("createdAt") && columns.contains("updatedAt")
    }

    /// `val` as text, and one of its members as text.
    private var valText: String { dialect == .postgres ? "\"val\"::text" : "\"val\"" }
    /// On SQLite `val` is text that may not be JSON (a row the app's own code never wrote):
    /// such a row reads as NULL here, so a filter skips it as a listing does, instead of failing
    /// the whole query. On PostgreSQL ACE's column is of type `json`, which holds nothing else.
    private func member(_ name: String) -> String {
        dialect == .postgres ? "(\"val\"::json ->> '\(name)')" : "(CASE WHEN json_valid(\"val\") THEN json_extract(\"val\", '$.\(name)') END)"
    }

    private var columns: String {
        "\"id\" AS id, \"clientKey\" AS client_key, \(valText) AS val"
            + (timestamps ? ", \(dialect.milliseconds("\"createdAt\"")) AS created_ms, \(dialect.milliseconds("\"updatedAt\"")) AS updated_ms" : "")
    }

    private var tenantRows: String { "FROM \"\(table)\" WHERE \"key\" = 'clientInfo' AND \"clientKey\" IS NOT NULL" }

    func page(_ query: TenantQuery) -> SQLStatement? {
        // ACE keeps no state: every tenant it has is installed.
        if let state = query.state, state != .installed { return nil }
        var sql = "SELECT \(columns) \(tenantRows)"
        var bindings: [SQLValue] = []
        if case .integer(let id)? = query.after?.sortValue {
            sql += " AND \"id\" > ?"
            bindings.append(.integer(id))
        }
        if let filter = query.filter, !filter.isEmpty {
            // The fields our own filter matches, read out of the JSON; never the secret.
            sql += " AND (lower(\"clientKey\") LIKE ? ESCAPE '\\' OR lower(\(member("baseUrl"))) LIKE ? ESCAPE '\\'"
                + " OR lower(\(member("description"))) LIKE ? ESCAPE '\\')"
            bindings += Array(repeating: SQLDialect.contains(filter), count: 3)
        }
        sql += " ORDER BY \"id\" LIMIT ?"
        bindings.append(.integer(Int64(query.limit)))
        return SQLStatement(sql, bindings)
    }

    func one(_ clientKey: String) -> SQLStatement {
        // ACE writes one clientInfo row per tenant; if a store has several, the newest wins.
        SQLStatement("SELECT \(columns) \(tenantRows) AND \"clientKey\" = ? ORDER BY \"id\" DESC LIMIT 1", [.text(clientKey)])
    }

    func one(oauthClientId: String) -> SQLStatement? {
        SQLStatement("SELECT \(columns) \(tenantRows) AND \(member("oauthClientId")) = ? ORDER BY \"id\" DESC LIMIT 1", [.text(oauthClientId)])
    }

    func count() -> SQLStatement {
        SQLStatement("SELECT COUNT(*) AS n \(tenantRows)")
    }

    func tenant(_ row: SQLRow) -> Result<Tenant, ForeignRowProblem> {
        let id = row.integer("id").map(String.init) ?? "?"
        guard let clientKey = row.text("client_key"), let val = row.text("val") else {
            return .failure(ForeignRowProblem(sentence: "\(table) row \(id) has no clientKey or no val"))
        }
        return AceClientInfo.tenant(clientKey: clientKey, json: val, source: "\(table) row \(id) (clientKey \(Sanitized.quote(clientKey)))",
                                    installedAt: row.integer("created_ms").map(StoreTime.date),
                                    updatedAt: row.integer("updated_ms").map(StoreTime.date))
    }

    func cursor(after row: SQLRow, _ tenant: Tenant) -> TenantQuery.Cursor {
        TenantQuery.Cursor(sortValue: .integer(row.integer("id") ?? 0), clientKey: tenant.clientKey)
    }
}
