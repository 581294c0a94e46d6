import Foundation
import ConnectCore

/// Every statement the store runs, written once for both backends (`?` placeholders;
/// identifiers and operators common to SQLite and PostgreSQL).
enum StoreStatements {
    static let tenantColumns = """
        client_key, addon_key, base_url, display_url, product_type, description, server_version, plugins_version, \
        service_entitlement_number, oauth_client_id, cloud_id, installation_id, shared_secret, secret_fingerprint, state, \
        installed_at, updated_at, extra_json, search_text
        """
    static let eventColumns = """
        at, node, client_key, event_type, outcome, reason, auth, fingerprint_before, fingerprint_after, base_url, \
        remote_address, detail, count, upstream_status, forwarded
        """
    static let failureColumns = """
        at, node, client_key, reason, detail, method, path, remote_address, user_agent, token_fingerprint, alg, kid, exp, iat, count
        """

    /// Rows per multi-row INSERT: well below both engines' bound-parameter limits.
    static let rowsPerInsert = 400

    // MARK: Tenants

    static func tenantValues(_ tenant: Tenant, keyRing: SecretKeyRing) throws(StoreError) -> [SQLValue] {
        [
            .text(tenant.clientKey), .text(tenant.addonKey), .text(tenant.baseUrl), SQLValue(tenant.displayUrl),
            .text(tenant.productType), .text(tenant.description), SQLValue(tenant.serverVersion), SQLValue(tenant.pluginsVersion),
            SQLValue(tenant.serviceEntitlementNumber), SQLValue(tenant.oauthClientId), SQLValue(tenant.cloudId),
            SQLValue(tenant.installationId), .text(try storedSecret(tenant.secret, clientKey: tenant.clientKey, keyRing)), .text(tenant.secretFingerprint),
            .text(tenant.state.rawValue), StoreTime.value(tenant.installedAt),
            StoreTime.value(tenant.updatedAt), .text(tenant.extraJSON), .text(searchText(tenant)),
        ]
    }

    /// What the `shared_secret` column gets: sealed with the ring's first key, or plain when
    /// the ring is empty. A secret this process cannot open is never written back.
    static func storedSecret(_ secret: StoredSecret, clientKey: String, _ keyRing: SecretKeyRing) throws(StoreError) -> String {
        do {
            return keyRing.storedText(for: try secret.opened(), clientKey: clientKey)
        } catch {
            throw StoreError(.failed, error.message)
        }
    }

    /// What the tenants filter matches: lower-cased clientKey, baseUrl and description.
    static func searchText(_ tenant: Tenant) -> String {
        [tenant.clientKey, tenant.baseUrl, tenant.description].joined(separator: "\n").lowercased()
    }

    /// Insert or update the tenant (keeping its first install time) and roll its secret history.
    static func upsertTenant(_ tenant: Tenant, at: Date, keyRing: SecretKeyRing) throws(StoreError) -> [SQLStatement] {
        let columns = columnList(tenantColumns)
        let updates = columns.filter { $0 != "client_key" && $0 != "installed_at" }.map { "\($0) = excluded.\($0)" }
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        let now = StoreTime.milliseconds(at)
        let secretText = try storedSecret(tenant.secret, clientKey: tenant.clientKey, keyRing)
        return [
            SQLStatement("INSERT INTO tenant (\(tenantColumns)) VALUES (\(placeholders)) ON CONFLICT (client_key) DO UPDATE SET \(updates.joined(separator: ", "))",
                         try tenantValues(tenant, keyRing: keyRing)),
            SQLStatement("UPDATE tenant_secret SET current_until = ? WHERE client_key = ? AND current_until IS NULL AND fingerprint <> ?",
                         [.integer(now), .text(tenant.clientKey), .text(tenant.secretFingerprint)]),
            SQLStatement("""
                INSERT INTO tenant_secret (client_key, fingerprint, shared_secret, current_from, current_until) VALUES (?, ?, ?, ?, NULL) \
                ON CONFLICT (client_key, fingerprint) DO UPDATE SET current_until = NULL
                """, [.text(tenant.clientKey), .text(tenant.secretFingerprint), .text(secretText), .integer(now)]),
        ]
    }

    static func tenantRows(_ tenants: [Tenant], keyRing: SecretKeyRing) throws(StoreError) -> BulkRows {
        var rows: [[SQLValue]] = []
        rows.reserveCapacity(tenants.count)
        for tenant in tenants { rows.append(try tenantValues(tenant, keyRing: keyRing)) }
        return BulkRows(table: "tenant", columns: columnList(tenantColumns), rows: rows)
    }

    static func secretRows(_ secrets: [SecretHistoryEntry], keyRing: SecretKeyRing) throws(StoreError) -> BulkRows {
        var rows: [[SQLValue]] = []
        rows.reserveCapacity(secrets.count)
        for entry in secrets {
            rows.append([.text(entry.clientKey), .text(entry.fingerprint), .text(try storedSecret(entry.secret, clientKey: entry.clientKey, keyRing)),
                         .integer(StoreTime.milliseconds(entry.currentFrom)), SQLValue(entry.currentUntil.map(StoreTime.milliseconds))])
        }
        return BulkRows(table: "tenant_secret", columns: ["client_key", "fingerprint", "shared_secret", "current_from", "current_until"], rows: rows)
    }

    // MARK: Events and failures

    static func eventValues(_ event: InstallEvent) -> [SQLValue] {
        [
            .integer(StoreTime.milliseconds(event.at)), .text(event.node), .text(event.clientKey), .text(event.eventType.rawValue),
            .text(event.outcome.rawValue), SQLValue(event.reason?.rawValue), .text(event.auth), SQLValue(event.fingerprintBefore),
            SQLValue(event.fingerprintAfter), SQLValue(event.baseUrl), SQLValue(event.remoteAddress), .text(event.detail),
            .integer(Int64(max(1, event.count))), SQLValue(event.upstreamStatus.map(Int64.init)),
            SQLValue(event.forwarded.map { $0 ? Int64(1) : Int64(0) }),
        ]
    }

    static func eventRows(_ events: [InstallEvent]) -> BulkRows {
        BulkRows(table: "install_event", columns: columnList(eventColumns), rows: events.map(eventValues))
    }

    static func failureRows(_ failures: [AuthFailure]) -> BulkRows {
        BulkRows(table: "auth_failure", columns: columnList(failureColumns), rows: failures.map { failure in
            [
                .integer(StoreTime.milliseconds(failure.at)), .text(failure.node), SQLValue(failure.clientKey),
                .text(failure.reason.rawValue), .text(failure.detail), .text(failure.method), .text(failure.path),
                SQLValue(failure.remoteAddress), SQLValue(failure.userAgent), SQLValue(failure.tokenFingerprint),
                SQLValue(failure.alg), SQLValue(failure.kid), SQLValue(failure.exp), SQLValue(failure.iat),
                .integer(Int64(max(1, failure.count))),
            ]
        })
    }

    static func insertEvent(_ event: InstallEvent) -> SQLStatement {
        multiRowInsert(eventRows([event]))[0]
    }

    /// `rows` as INSERTs of up to `rowsPerInsert` rows each: the server's small batches, in
    /// statements that can share a transaction with guards and locks.
    static func multiRowInsert(_ rows: BulkRows) -> [SQLStatement] {
        let tuple = "(" + Array(repeating: "?", count: rows.columns.count).joined(separator: ", ") + ")"
        let columns = rows.columns.joined(separator: ", ")
        return stride(from: 0, to: rows.rows.count, by: rowsPerInsert).map { start in
            let chunk = rows.rows[start..<min(rows.rows.count, start + rowsPerInsert)]
            return SQLStatement("INSERT INTO \(rows.table) (\(columns)) VALUES " + Array(repeating: tuple, count: chunk.count).joined(separator: ", "),
                                chunk.flatMap { $0 })
        }
    }

    static func columnList(_ columns: String) -> [String] {
        columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    // MARK: Pages

    static func sortValue(of tenant: Tenant, _ column: TenantQuery.SortColumn) -> SQLValue {
        switch column {
        case .clientKey: return .text(tenant.clientKey)
        case .baseUrl: return .text(tenant.baseUrl)
        case .productType: return .text(tenant.productType)
        case .state: return .text(tenant.state.rawValue)
        case .installedAt: return StoreTime.value(tenant.installedAt)
        case .updatedAt: return StoreTime.value(tenant.updatedAt)
        }
    }

    /// A keyset page ordered by `(sort column, client_key)`, so every sort is an index walk.
    /// The page of tenants for `query`. With `useSearchIndex` (SQLite, filters of three
    /// characters or more that match few rows) the trigram index finds the matching rows and
    /// only they are sorted; otherwise the sort index is walked and filtered until the page is
    /// full, which is fastest when matches are common. PostgreSQL's planner makes that choice
    /// itself with its pg_trgm index.
    static func tenantPage(_ query: TenantQuery, dialect: SQLDialect, useSearchIndex: Bool = false) -> SQLStatement {
        var conditions: [String] = []
        var bindings: [SQLValue] = []
        if let filter = query.filter?.lowercased(), !filter.isEmpty {
            if useSearchIndex && dialect == .sqlite {
                conditions.append("rowid IN (SELECT rowid FROM tenant_search WHERE tenant_search MATCH ?)")
                bindings.append(.text(searchPhrase(filter)))
            }
            conditions.append("search_text LIKE ? ESCAPE '\\'")
            bindings.append(.text("%" + likeEscaped(filter) + "%"))
        }
        if let state = query.state {
            conditions.append("state = ?")
            bindings.append(.text(state.rawValue))
        }
        let column = query.sort.sqlColumn
        let direction = query.descending ? "DESC" : "ASC"
        let comparison = query.descending ? "<" : ">"
        if let cursor = query.after {
            if query.sort == .clientKey {
                conditions.append("client_key \(comparison) ?")
                bindings.append(.text(cursor.clientKey))
            } else {
                conditions.append("(\(column), client_key) \(comparison) (?, ?)")
                bindings += [cursor.sortValue, .text(cursor.clientKey)]
            }
        }
        let order = query.sort == .clientKey ? "client_key \(direction)" : "\(column) \(direction), client_key \(direction)"
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        bindings.append(.integer(Int64(max(1, query.limit))))
        return SQLStatement("SELECT \(tenantColumns) FROM tenant\(whereClause) ORDER BY \(order) LIMIT ?", bindings)
    }

    /// The guard that commits an accepted decision only on the row it was decided on.
    static func basisGuard(_ basis: InstallDecision.Basis, clientKey: String) -> SQLStatement? {
        switch basis {
        case .unconditional:
            return nil
        case .absent:
            return .guarding("SELECT 1 AS ok WHERE NOT EXISTS (SELECT 1 FROM tenant WHERE client_key = ?)", [.text(clientKey)])
        case .secret(let fingerprint):
            return .guarding("SELECT 1 AS ok FROM tenant WHERE client_key = ? AND secret_fingerprint = ?",
                             [.text(clientKey), .text(fingerprint)])
        case .secretAndState(let fingerprint, let state):
            return .guarding("SELECT 1 AS ok FROM tenant WHERE client_key = ? AND secret_fingerprint = ? AND state = ?",
                             [.text(clientKey), .text(fingerprint), .text(state.rawValue)])
        }
    }

    /// `enabled`, `disabled`, `uninstalled`: the state and its time, nothing else.
    static func updateState(_ tenant: Tenant) -> SQLStatement {
        SQLStatement("UPDATE tenant SET state = ?, updated_at = ? WHERE client_key = ?",
                     [.text(tenant.state.rawValue), StoreTime.value(tenant.updatedAt), .text(tenant.clientKey)])
    }

    static func historyPage(_ query: HistoryQuery) -> SQLStatement {
        var conditions: [String] = []
        var bindings: [SQLValue] = []
        if let key = query.clientKey { conditions.append("client_key = ?"); bindings.append(.text(key)) }
        if let outcome = query.outcome { conditions.append("outcome = ?"); bindings.append(.text(outcome.rawValue)) }
        if let before = query.beforeID { conditions.append("id < ?"); bindings.append(.integer(before)) }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        bindings.append(.integer(Int64(max(1, query.limit))))
        return SQLStatement("SELECT id, \(eventColumns) FROM install_event\(whereClause) ORDER BY id DESC LIMIT ?", bindings)
    }

    static func failurePage(_ query: FailureQuery) -> SQLStatement {
        var conditions: [String] = []
        var bindings: [SQLValue] = []
        if let key = query.clientKey { conditions.append("client_key = ?"); bindings.append(.text(key)) }
        if let reason = query.reason { conditions.append("reason = ?"); bindings.append(.text(reason.rawValue)) }
        if let since = query.since { conditions.append("at >= ?"); bindings.append(.integer(StoreTime.milliseconds(since))) }
        if let before = query.beforeID { conditions.append("id < ?"); bindings.append(.integer(before)) }
        if let after = query.afterID { conditions.append("id > ?"); bindings.append(.integer(after)) }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        bindings.append(.integer(Int64(max(1, query.limit))))
        let order = query.afterID != nil ? "ASC" : "DESC"
        return SQLStatement("SELECT id, \(failureColumns) FROM auth_failure\(whereClause) ORDER BY id \(order) LIMIT ?", bindings)
    }

    /// An FTS5 phrase that, with the trigram tokenizer, matches `text` as a substring.
    static func searchPhrase(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// How many tenants the trigram index finds for `filter` (SQLite).
    static func searchCount(_ filter: String) -> SQLStatement {
        SQLStatement("SELECT COUNT(*) AS n FROM tenant_search WHERE tenant_search MATCH ?", [.text(searchPhrase(filter.lowercased()))])
    }

    static func likeEscaped(_ text: String) -> String {
        var out = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
