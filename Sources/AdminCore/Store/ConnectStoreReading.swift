import ConnectCore
import Foundation

/// Everything that reads a ConnectAdmin store, written once for both kinds of handle: a
/// `ConnectStoreReader` (the console, the read commands), which can do nothing else, and a
/// `ConnectStore` (the server, `store migrate`, `dev seed`), which also writes. As GRDB splits
/// `DatabaseReader` from `DatabaseWriter`, "read-only" is a type the compiler checks, not a
/// mode checked at run time.
public protocol ConnectStoreReading: StoreReader {
    var location: StoreLocation { get }
    /// Opens sealed secrets as they are read.
    var keyRing: SecretKeyRing { get }
    /// The engine, as far as reading goes, and the deadline every operation runs under.
    var reads: StoreReads { get }
}

/// A store's engine as a reader sees it: statements that read, each bounded by the deadline.
public struct StoreReads: Sendable {
    let database: any SQLReading
    /// How long any one operation may take before the caller is told the store is unreachable.
    let deadline: StoreDeadline

    /// Every read goes through here: bounded by the deadline, cancelled when it passes.
    /// `long`: the statement may run as long as the deadline, instead of the database's usual
    /// statement timeout (exact counts an operator asked for).
    func read(_ statement: SQLStatement, long: Bool = false) async throws(StoreError) -> [SQLRow] {
        let database = self.database, limit = deadline.limit
        return try await deadline.run(cancelOnTimeout: true, "read") { () throws(StoreError) in
            long ? try await database.rows(statement, statementTimeout: limit) : try await database.rows(statement)
        }
    }
}

extension ConnectStoreReading {
    public var capabilities: StoreCapabilities { .all }

    var dialect: SQLDialect { reads.database.dialect }

    func read(_ statement: SQLStatement, long: Bool = false) async throws(StoreError) -> [SQLRow] {
        try await reads.read(statement, long: long)
    }

    public func close() async {
        await reads.database.close()
    }

    // MARK: - Schema

    /// The schema version stored, or `nil` when this is not a ConnectAdmin store yet.
    func storedSchemaVersion() async throws(StoreError) -> Int? {
        let database = reads.database
        guard try await reads.deadline.run(cancelOnTimeout: true, "schema check", { () throws(StoreError) in
            try await database.tableExists("connect_admin_schema")
        }) else { return nil }
        let rows = try await read(StoreStatements.schemaVersion)
        return rows.first?.integer("version").map(Int.init)
    }

    /// Checks that this build can read the store; returns its version.
    @discardableResult
    public func checkSchema() async throws(StoreError) -> Int {
        guard let version = try await storedSchemaVersion() else {
            throw StoreError(.unreadable, "\(location) is not a ConnectAdmin store yet: start connect-server on it or run `connect-admin store migrate --store \(location)`")
        }
        if version > Schema.currentVersion {
            throw StoreError(.schemaTooNew, "\(location) has schema version \(version), newer than this connect-admin understands (\(Schema.currentVersion)): upgrade connect-admin")
        }
        if version < Schema.currentVersion {
            throw StoreError(.schemaTooOld, "\(location) has schema version \(version), older than this connect-admin (\(Schema.currentVersion)): run `connect-admin store migrate --store \(location)`")
        }
        return version
    }

    // MARK: - Reads

    /// Bytes the store takes on disk: the whole SQLite file (pages in use and free), or the
    /// PostgreSQL database. For sizing (bytes per row in BENCHMARKS.md), not for accounting.
    public func storageBytes() async throws(StoreError) -> Int64 {
        return try await read(StoreStatements.storageBytes(dialect)).first?.integer("bytes") ?? 0
    }

    /// Wake-ups for a live tail: yields soon after any process records failures (PostgreSQL:
    /// the notification every batch of failures sends at commit; SQLite: the file's
    /// `data_version` moved, checked every `interval`). It can also yield when something else
    /// changed, so a wake-up means "read the tail", not "there are new rows". It ends when the
    /// watch cannot go on; the caller keeps polling as its fallback.
    public func failureSignals(checkEvery interval: Duration = .milliseconds(20)) -> AsyncStream<Void> {
        reads.database.changes(channel: SQLDialect.failureChannel, checkEvery: interval)
    }

    /// The node that last served the store and when, if a connect-server ever has.
    public func servedBy() async throws(StoreError) -> (node: String, at: Date)? {
        guard let row = try await read(StoreStatements.servedBy).first,
              let node = row.text("value"), let at = row.integer("at") else { return nil }
        return (node, StoreTime.date(at))
    }

    /// A cheap round trip: `/readyz` and the console's status line.
    public func ping() async throws(StoreError) {
        _ = try await read(StoreStatements.ping)
    }

    public func tenant(clientKey: String) async throws(StoreError) -> Tenant? {
        let rows = try await read(StoreStatements.tenant(clientKey: clientKey))
        return try rows.first.map { row throws(StoreError) in try StoreRows.tenant(row, keyRing: keyRing) }
    }

    /// Client keys in the order of their rows' last change, `limit` at a time after `position`
    /// (nil: from the start), for a node's in-memory index of which tenants exist. Keyset
    /// paging over the `tenant_by_updated_at` index.
    public func tenantKeys(after position: TenantKeyPosition?, limit: Int) async throws(StoreError) -> [TenantKeyPosition] {
        let start = position ?? TenantKeyPosition(updatedAt: Int64.min, clientKey: "")
        let rows = try await read(StoreStatements.tenantKeys(after: start, limit: limit))
        return try rows.map { row throws(StoreError) in
            guard let clientKey = row.text("client_key"), let updatedAt = row.integer("updated_at") else { throw StoreRows.damaged("tenant", row) }
            return TenantKeyPosition(updatedAt: updatedAt, clientKey: clientKey)
        }
    }

    /// Not indexed: a diagnosis lookup (which tenant an act-as-user assertion names).
    public func tenant(oauthClientId: String) async throws(StoreError) -> Tenant? {
        let rows = try await read(StoreStatements.tenant(oauthClientId: oauthClientId))
        return try rows.first.map { row throws(StoreError) in try StoreRows.tenant(row, keyRing: keyRing) }
    }

    public func tenants(_ query: TenantQuery) async throws(StoreError) -> TenantPage {
        var useSearchIndex = false
        if dialect == .sqlite, let filter = query.filter, filter.count >= 3 {
            // Few matches: fetch just those through the trigram index. Many: walking the sort
            // index fills the page sooner than sorting thousands of matches.
            let matches = try await read(StoreStatements.searchCount(filter)).first?.integer("n") ?? 0
            useSearchIndex = matches <= 2000
        }
        let statement = StoreStatements.tenantPage(query, dialect: dialect, useSearchIndex: useSearchIndex)
        let tenants = try await read(statement).map { row throws(StoreError) in try StoreRows.tenant(row, keyRing: keyRing) }
        let counts = try await recentFailureCounts(clientKeys: tenants.map(\.clientKey), since: query.now.addingTimeInterval(-query.failureWindow))
        let rows = tenants.map { TenantRow(tenant: $0, recentFailures: counts[$0.clientKey] ?? 0) }
        var next: TenantQuery.Cursor?
        if rows.count == query.limit, let last = rows.last?.tenant {
            next = TenantQuery.Cursor(sortValue: StoreStatements.sortValue(of: last, query.sort), clientKey: last.clientKey)
        }
        return TenantPage(rows: rows, next: next)
    }

    /// Failures per tenant since `since`, for the given tenants only (served by the
    /// `(client_key, at)` index).
    public func recentFailureCounts(clientKeys: [String], since: Date) async throws(StoreError) -> [String: Int] {
        guard !clientKeys.isEmpty else { return [:] }
        let rows = try await read(StoreStatements.recentFailureCounts(clientKeys: clientKeys, since: since))
        var counts: [String: Int] = [:]
        for row in rows {
            if let key = row.text("client_key") { counts[key] = Int(row.integer("n") ?? 0) }
        }
        return counts
    }

    public func history(_ query: HistoryQuery) async throws(StoreError) -> [InstallEvent] {
        try await read(StoreStatements.historyPage(query)).map(StoreRows.event)
    }

    /// A tenant's newest events, newest first, with its newest accepted ones always among
    /// them: however many rejected callbacks an attacker sends under a clientKey, the install
    /// and rotation that matter stay on the first page.
    public func tenantHistory(clientKey: String, limit: Int, pinnedAccepted: Int = 5) async throws(StoreError) -> [InstallEvent] {
        let page = try await history(HistoryQuery(clientKey: clientKey, limit: limit))
        let accepted = try await history(HistoryQuery(clientKey: clientKey, outcome: .accepted, limit: pinnedAccepted))
        let seen = Set(page.map(\.id))
        return (page + accepted.filter { !seen.contains($0.id) }).sorted { $0.id > $1.id }
    }

    /// Tenants whose addon key is not `addonKey`: `dev seed` refuses a store holding any.
    public func tenantCount(excludingAddonKey addonKey: String) async throws(StoreError) -> Int {
        Int(try await read(StoreStatements.tenantCount(excludingAddonKey: addonKey)).first?.integer("n") ?? 0)
    }

    public func failures(_ query: FailureQuery) async throws(StoreError) -> [AuthFailure] {
        try await read(StoreStatements.failurePage(query)).map(StoreRows.failure)
    }

    /// The secrets a tenant has had, newest first.
    public func secretHistory(clientKey: String) async throws(StoreError) -> [SecretHistoryEntry] {
        try await read(StoreStatements.secretHistory(clientKey: clientKey)).map { row throws(StoreError) in try StoreRows.secret(row, keyRing: keyRing) }
    }

    /// Exact counts over whole tables: on PostgreSQL they may run as long as the store's
    /// deadline allows (`store info` waits a minute), not just the usual statement timeout.
    public func summary() async throws(StoreError) -> StoreSummary {
        let rows = try await read(StoreStatements.summary, long: true)
        let row = rows.first
        return StoreSummary(
            schemaVersion: try await checkSchema(),
            tenants: Int(row?.integer("tenants") ?? 0), installEvents: Int(row?.integer("events") ?? 0),
            authFailures: Int(row?.integer("failures") ?? 0), lastFailureID: row?.integer("last_failure") ?? 0)
    }

    public func tenantCount() async throws(StoreError) -> Int {
        Int(try await read(StoreStatements.tenantCount).first?.integer("n") ?? 0)
    }

    /// Failures (counts included) per minute since `since`, keyed by minutes since 1970:
    /// the console's rate line. A range scan of the `at` index.
    public func failuresPerMinute(since: Date) async throws(StoreError) -> [Int64: Int] {
        let rows = try await read(StoreStatements.failuresPerMinute(since: since))
        var counts: [Int64: Int] = [:]
        for row in rows {
            if let minute = row.integer("minute") { counts[minute] = Int(row.integer("n") ?? 0) }
        }
        return counts
    }

    /// Failures (counts included) at or after `since`: the console's rate over the last 60 s.
    public func failureCount(since: Date) async throws(StoreError) -> Int {
        let rows = try await read(StoreStatements.failureCount(since: since))
        return Int(rows.first?.integer("n") ?? 0)
    }

    /// The id of the newest failure: where a live tail starts.
    public func lastFailureID() async throws(StoreError) -> Int64 {
        try await read(StoreStatements.lastFailureID).first?.integer("last") ?? 0
    }
}
