import ConnectCore
import Foundation

/// The statements the readers run (`ConnectStoreReading`), beside the writers' in
/// `StoreStatements.swift`.
extension StoreStatements {
    static let schemaVersion = SQLStatement("SELECT MAX(version) AS version FROM connect_admin_schema")
    static let servedBy = SQLStatement("SELECT value, at FROM store_marker WHERE name = 'served_by'")
    static let ping = SQLStatement("SELECT 1 AS ok")
    static let tenantCount = SQLStatement("SELECT COUNT(*) AS n FROM tenant")
    static let lastFailureID = SQLStatement("SELECT COALESCE(MAX(id), 0) AS last FROM auth_failure")
    /// Exact counts over whole tables (`store info`).
    static let summary = SQLStatement("""
        SELECT (SELECT COUNT(*) FROM tenant) AS tenants,
               (SELECT COUNT(*) FROM install_event) AS events,
               (SELECT COUNT(*) FROM auth_failure) AS failures,
               (SELECT COALESCE(MAX(id), 0) FROM auth_failure) AS last_failure
        """)

    static func storageBytes(_ dialect: SQLDialect) -> SQLStatement {
        switch dialect {
        case .sqlite: SQLStatement("SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()")
        case .postgres: SQLStatement("SELECT pg_database_size(current_database()) AS bytes")
        }
    }

    static func tenant(clientKey: String) -> SQLStatement {
        SQLStatement("SELECT \(tenantColumns) FROM tenant WHERE client_key = ?", [.text(clientKey)])
    }

    static func tenant(oauthClientId: String) -> SQLStatement {
        SQLStatement("SELECT \(tenantColumns) FROM tenant WHERE oauth_client_id = ? LIMIT 1", [.text(oauthClientId)])
    }

    /// Keyset paging over the `tenant_by_updated_at` index.
    static func tenantKeys(after start: TenantKeyPosition, limit: Int) -> SQLStatement {
        SQLStatement(
            "SELECT client_key, updated_at FROM tenant WHERE updated_at > ? OR (updated_at = ? AND client_key > ?) "
                + "ORDER BY updated_at, client_key LIMIT ?",
            [.integer(start.updatedAt), .integer(start.updatedAt), .text(start.clientKey), .integer(Int64(limit))])
    }

    static func tenantCount(excludingAddonKey addonKey: String) -> SQLStatement {
        SQLStatement("SELECT COUNT(*) AS n FROM tenant WHERE addon_key <> ?", [.text(addonKey)])
    }

    static func secretHistory(clientKey: String) -> SQLStatement {
        SQLStatement(
            "SELECT client_key, fingerprint, shared_secret, current_from, current_until FROM tenant_secret WHERE client_key = ? ORDER BY current_from DESC",
            [.text(clientKey)])
    }

    /// Served by the `(client_key, at)` index.
    static func recentFailureCounts(clientKeys: [String], since: Date) -> SQLStatement {
        let placeholders = Array(repeating: "?", count: clientKeys.count).joined(separator: ",")
        return SQLStatement(
            "SELECT client_key, SUM(count) AS n FROM auth_failure WHERE client_key IN (\(placeholders)) AND at >= ? GROUP BY client_key",
            clientKeys.map(SQLValue.text) + [.integer(StoreTime.milliseconds(since))])
    }

    static func failuresPerMinute(since: Date) -> SQLStatement {
        SQLStatement("SELECT at / 60000 AS minute, SUM(count) AS n FROM auth_failure WHERE at >= ? GROUP BY at / 60000",
                     [.integer(StoreTime.milliseconds(since))])
    }

    static func failureCount(since: Date) -> SQLStatement {
        SQLStatement("SELECT COALESCE(SUM(count), 0) AS n FROM auth_failure WHERE at >= ?", [.integer(StoreTime.milliseconds(since))])
    }
}

/// Upkeep: the served-by marker and retention.
extension StoreStatements {
    static func markServed(node: String, at: Date) -> SQLStatement {
        SQLStatement(
            "INSERT INTO store_marker (name, value, at) VALUES ('served_by', ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value, at = excluded.at",
            [.text(node), .integer(StoreTime.milliseconds(at))])
    }

    /// `table` is one of ours (a failure partition's name, `install_event`), never input.
    static func rowCount(of table: String) -> SQLStatement {
        SQLStatement("SELECT COUNT(*) AS n FROM \(table)")
    }

    /// Dropping a partition locks the whole table for a moment: wait for it at most 100 ms.
    static func dropPartition(_ name: String) -> [SQLStatement] {
        [SQLStatement("SET LOCAL lock_timeout = '100ms'"), SQLStatement("DROP TABLE IF EXISTS \(name)")]
    }

    /// The ids of the oldest `limit` rows of `table` matching `condition` (whose one `?` is the cutoff).
    static func oldestIDs(in table: String, where condition: String, cutoff: Date, limit: Int) -> SQLStatement {
        SQLStatement("SELECT id FROM \(table) WHERE \(condition) ORDER BY at LIMIT ?", [.integer(StoreTime.milliseconds(cutoff)), .integer(Int64(limit))])
    }

    static func delete(from table: String, ids: [Int64]) -> SQLStatement {
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
        return SQLStatement("DELETE FROM \(table) WHERE id IN (\(placeholders))", ids.map(SQLValue.integer))
    }
}
