import Foundation
import ConnectCore

/// How one framework lays its tenants out in SQL: the statements that page, count and find
/// them, and how a row becomes a `Tenant`. Statements only read; identifiers are quoted and
/// the table name was checked to be a plain SQL name.
protocol ForeignLayout: Sendable {
    func page(_ query: TenantQuery) -> SQLStatement?
    func one(_ clientKey: String) -> SQLStatement
    /// The row whose install payload carried this oauthClientId; `nil` when the layout has no
    /// place for it.
    func one(oauthClientId: String) -> SQLStatement?
    func count() -> SQLStatement
    /// The row as a tenant, or one sentence saying why it is not one.
    func tenant(_ row: SQLRow) -> Result<Tenant, ForeignRowProblem>
    /// Where the next page starts after `row`.
    func cursor(after row: SQLRow, _ tenant: Tenant) -> TenantQuery.Cursor
}

/// A row that cannot be read as a tenant: skipped with a warning, never the whole listing.
struct ForeignRowProblem: Error {
    var sentence: String
}

extension SQLDialect {
    /// A nullable timestamp column as integer milliseconds (Sequelize on SQLite writes
    /// `2024-01-02 03:04:05.678 +00:00`: UTC, read without the offset).
    func milliseconds(_ column: String) -> String {
        switch self {
        case .sqlite: return "CAST((julianday(substr(\(column), 1, 23)) - 2440587.5) * 86400000 AS INTEGER)"
        case .postgres: return "(extract(epoch from \(column)) * 1000)::bigint"
        }
    }

    /// `%text%` for a case-insensitive LIKE, with the escape clause the pattern needs.
    static func contains(_ text: String) -> SQLValue { .text("%" + StoreStatements.likeEscaped(text.lowercased()) + "%") }
}
