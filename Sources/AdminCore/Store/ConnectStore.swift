import Foundation
import ConnectCore

/// The store the server writes and the console reads: tenants, install history, auth
/// failures. One interface over SQLite (the default, zero setup) and PostgreSQL (several
/// server nodes), with the same schema and the same statements on both.
public final class ConnectStore: Sendable {
    public enum AccessMode: Sendable {
        /// Never creates, migrates or writes: the console and the read commands.
        case readOnly
        /// Creates the store if needed and applies migrations: the server and `store migrate`.
        case readWrite
    }

    public let location: StoreLocation
    public let mode: AccessMode
    let database: any SQLDatabase
    /// How long any one operation may take before the caller is told the store is unreachable.
    let deadline: StoreDeadline
    /// Opens sealed secrets as they are read and seals them as they are written.
    public let keyRing: SecretKeyRing

    init(location: StoreLocation, mode: AccessMode, database: any SQLDatabase, keyRing: SecretKeyRing, deadline: Duration = .seconds(5)) {
        self.location = location
        self.mode = mode
        self.database = database
        self.keyRing = keyRing
        self.deadline = StoreDeadline(limit: deadline)
    }

    /// Opens the store at `location`. Writers migrate it to the current schema; readers check
    /// that they understand it and fail with a sentence saying what to do otherwise.
    /// `deadline` bounds every later operation (see `StoreDeadline`); `keyRing` opens and
    /// seals shared secrets (none: plain secrets only).
    public static func open(_ location: StoreLocation, mode: AccessMode, keyRing: SecretKeyRing = .none,
                            deadline: Duration = .seconds(5)) async throws(StoreError) -> ConnectStore {
        let database: any SQLDatabase
        switch location {
        case .sqlite(let path):
            database = try SQLiteDatabase(path: path, readOnly: mode == .readOnly)
        case .postgres(let postgres):
            database = try await PostgresDatabase.connect(postgres)
        case .foreign(let foreign):
            throw StoreError(.usage, "\(location) is an \(foreign.layout.framework) store: ConnectAdmin reads its tenants (tenants, secret check, jwt --tenant, the console) and never writes it")
        }
        let store = ConnectStore(location: location, mode: mode, database: database, keyRing: keyRing, deadline: deadline)
        do {
            switch mode {
            case .readWrite:
                try await store.migrate()
                try await store.prepareComingPartitions()
            case .readOnly: _ = try await store.checkSchema()
            }
        } catch {
            await database.close()
            throw error
        }
        return store
    }

    public func close() async {
        await database.close()
    }

    // MARK: - Schema

    /// The schema version stored, or `nil` when this is not a ConnectAdmin store yet.
    func storedSchemaVersion() async throws(StoreError) -> Int? {
        let database = self.database
        guard try await deadline.run(cancelOnTimeout: true, "schema check", { () throws(StoreError) in
            try await database.tableExists("connect_admin_schema")
        }) else { return nil }
        let rows = try await read(SQLStatement("SELECT MAX(version) AS version FROM connect_admin_schema"))
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

    /// A migration rewrites tables (version 5 rebuilds the failures' primary key: 10 s for
    /// 10M rows here): it runs without the statement timeout, and its caller waits this long.
    /// So does a bulk import, whose batches into a big SQLite store took over 5 s on a busy
    /// machine.
    static let migrationDeadline = StoreDeadline(limit: .seconds(3600))

    /// Applies every missing migration, each in its own transaction.
    func migrate() async throws(StoreError) {
        let stored = try await storedSchemaVersion() ?? 0
        if stored > Schema.currentVersion {
            throw StoreError(.schemaTooNew, "\(location) has schema version \(stored), newer than this program understands (\(Schema.currentVersion)): upgrade it")
        }
        guard stored < Schema.currentVersion else { return }
        for version in (stored + 1)...Schema.currentVersion {
            var statements = [SQLStatement]()
            if let lock = database.dialect.serializeInsertsStatement { statements.append(lock) }
            if let unbounded = database.dialect.noStatementTimeout { statements.append(unbounded) }
            statements.append(SQLStatement("CREATE TABLE IF NOT EXISTS connect_admin_schema (version INTEGER NOT NULL)"))
            // Another writer that migrated first (under the same lock) makes this a no-op.
            statements.append(.guarding("SELECT 1 AS ok WHERE NOT EXISTS (SELECT 1 FROM connect_admin_schema WHERE version = ?)",
                                        [.integer(Int64(version))]))
            statements += Schema.migration(to: version, dialect: database.dialect).map { SQLStatement($0) }
            statements.append(SQLStatement("INSERT INTO connect_admin_schema (version) VALUES (?)", [.integer(Int64(version))]))
            do {
                try await commit(statements, within: Self.migrationDeadline)
            } catch let error where error.kind == .conflict {
                continue
            }
        }
    }

    // MARK: - Writes

    /// Records a lifecycle decision atomically: the event, and for an accepted callback the
    /// tenant row and its secret history — only if the stored row is still the one the
    /// decision was made on (`decision.basis`); otherwise nothing is written and `.conflict`
    /// is thrown, so the caller decides again on the row as it is now.
    public func record(_ decision: InstallDecision) async throws(StoreError) {
        try requireWritable()
        var statements: [SQLStatement] = []
        if let tenant = decision.tenant {
            if let lock = database.dialect.tenantLockStatement(tenant.clientKey) { statements.append(lock) }
            if let guardStatement = StoreStatements.basisGuard(decision.basis, clientKey: tenant.clientKey) {
                statements.append(guardStatement)
            }
            if decision.event.eventType == .installed {
                statements += try StoreStatements.upsertTenant(tenant, at: decision.event.at, keyRing: keyRing)
            } else {
                statements.append(StoreStatements.updateState(tenant))
            }
        }
        statements.append(StoreStatements.insertEvent(decision.event))
        try await commit(statements)
    }

    /// Records install events that carry no tenant change (folded rejections), in one transaction.
    public func record(_ events: [InstallEvent]) async throws(StoreError) {
        try requireWritable()
        guard !events.isEmpty else { return }
        try await commit(StoreStatements.multiRowInsert(StoreStatements.eventRows(events)))
    }

    /// Records failures in as few statements as possible.
    public func record(_ failures: [AuthFailure]) async throws(StoreError) {
        try requireWritable()
        guard !failures.isEmpty else { return }
        var statements: [SQLStatement] = []
        if let lock = database.dialect.serializeInsertsStatement { statements.append(lock) }
        statements += StoreStatements.multiRowInsert(StoreStatements.failureRows(failures))
        if let notify = database.dialect.failuresWrittenStatement { statements.append(notify) }
        try await commit(statements)
    }

    /// Wake-ups for a live tail: yields soon after any process records failures (PostgreSQL:
    /// the notification every batch of failures sends at commit; SQLite: the file's
    /// `data_version` moved, checked every `interval`). It can also yield when something else
    /// changed, so a wake-up means "read the tail", not "there are new rows". It ends when the
    /// watch cannot go on; the caller keeps polling as its fallback.
    public func failureSignals(checkEvery interval: Duration = .milliseconds(20)) -> AsyncStream<Void> {
        database.changes(channel: SQLDialect.failureChannel, checkEvery: interval)
    }

    /// Bulk import for the data generator: tenants with their secret history, and events, in
    /// one transaction through the engine's bulk path (`COPY` on PostgreSQL).
    public func importRows(tenants: [Tenant], secrets: [SecretHistoryEntry], events: [InstallEvent]) async throws(StoreError) {
        try requireWritable()
        let bulk = [try StoreStatements.tenantRows(tenants, keyRing: keyRing), try StoreStatements.secretRows(secrets, keyRing: keyRing),
                    StoreStatements.eventRows(events)]
        try await bulkInsert(bulk)
    }

    /// Bulk import of failures for the data generator and benchmarks: `record(_:)`'s
    /// guarantees (ids in commit order, the live tail woken) through the engine's bulk path.
    public func importFailures(_ failures: [AuthFailure]) async throws(StoreError) {
        try requireWritable()
        try await bulkInsert([StoreStatements.failureRows(failures)], notify: database.dialect.failuresWrittenStatement)
    }

    private func bulkInsert(_ bulk: [BulkRows], notify: SQLStatement? = nil) async throws(StoreError) {
        let statements = [database.dialect.serializeInsertsStatement, notify].compactMap { $0 }
        let database = self.database
        try await Self.migrationDeadline.run(cancelOnTimeout: false, "bulk write") { () throws(StoreError) in
            try await database.insert(bulk, after: statements)
        }
    }

    /// Deletes failures older than `cutoff` so that the server's writes are never held up for
    /// long. SQLite: in short transactions of at most `batchSize` rows. PostgreSQL: by dropping
    /// each day's partition once all of the day is older than `cutoff` (so rows of the day the
    /// cutoff falls in stay until that day is over), and in batches from the partitions that
    /// are not days. `wholeDays: false` (a prune by hand) also deletes, in batches, the rows
    /// of the day the cutoff falls in that are older than it. Returns how many rows were deleted.
    @discardableResult
    public func pruneFailures(olderThan cutoff: Date, batchSize: Int = 5000, wholeDays: Bool = true) async throws(StoreError) -> Int {
        guard database.dialect == .postgres else {
            return try await prune(FailurePartitions.parent, where: "at < ?", cutoff: cutoff, batchSize: batchSize)
        }
        try requireWritable()
        let partitions = try await read(FailurePartitions.list).compactMap { $0.text("name") }
        var deleted = 0
        for name in partitions {
            guard let day = FailurePartitions.day(ofName: name) else {
                deleted += try await prune(name, where: "at < ?", cutoff: cutoff, batchSize: batchSize)
                continue
            }
            guard (day + 1) * FailurePartitions.dayMilliseconds <= StoreTime.milliseconds(cutoff) else {
                if !wholeDays && day * FailurePartitions.dayMilliseconds < StoreTime.milliseconds(cutoff) {
                    deleted += try await prune(name, where: "at < ?", cutoff: cutoff, batchSize: batchSize)
                }
                continue
            }
            let rows = try await read(SQLStatement("SELECT COUNT(*) AS n FROM \(name)")).first?.integer("n") ?? 0
            // Dropping a partition takes a lock on the whole table for a moment: wait for it at
            // most 100 ms (a long read holds it), then leave the day to the next prune.
            do {
                try await commit([SQLStatement("SET LOCAL lock_timeout = '100ms'"), SQLStatement("DROP TABLE IF EXISTS \(name)")])
                deleted += Int(rows)
            } catch {
                continue
            }
        }
        return deleted
    }

    /// Yesterday through the day after tomorrow (UTC): what a writer needs for the next days
    /// even if its hourly upkeep stops for a while.
    public func prepareComingPartitions(now: Date = Date()) async throws(StoreError) {
        try await preparePartitions(from: now.addingTimeInterval(-86_400), through: now.addingTimeInterval(2 * 86_400))
    }

    /// Makes sure every UTC day from `start` through `end` has its partition of failures
    /// (PostgreSQL; SQLite has none), one short transaction per day. Writers call it when
    /// they open the store and hourly; a row whose day has none lands in the default
    /// partition and is moved when the day's partition is made.
    public func preparePartitions(from start: Date, through end: Date) async throws(StoreError) {
        guard database.dialect == .postgres else { return }
        try requireWritable()
        // One read, then a transaction only for a day that has no partition yet: every
        // writer's open and hourly upkeep finds them all there.
        let existing = Set(try await read(FailurePartitions.list).compactMap { $0.text("name") })
        for day in FailurePartitions.day(of: start)...FailurePartitions.day(of: end)
        where !existing.contains(FailurePartitions.name(ofDay: day)) {
            try await commit([FailurePartitions.lock, FailurePartitions.create(day: day)])
        }
    }

    /// Deletes rejected install events older than `cutoff` (accepted ones are the tenant's
    /// history and are kept), in batches like `pruneFailures`.
    @discardableResult
    public func pruneRejectedEvents(olderThan cutoff: Date, batchSize: Int = 5000) async throws(StoreError) -> Int {
        try await prune("install_event", where: "outcome = 'rejected' AND at < ?", cutoff: cutoff, batchSize: batchSize)
    }

    /// Oldest first through the table's time index, one short transaction at a time: a batch
    /// is sized to take about `pruneBatchBudget` (up to `batchSize` rows), and the next starts
    /// only after a pause as long as the last took. On SQLite a writer waits for the batch that
    /// is running (one writer at a time), so this bounds the stall a server's writes see; a
    /// fixed 5 000-row batch held them up to 280 ms on a 1M-row prune (BENCHMARKS.md). On SQLite
    /// each batch is followed by a checkpoint of its own: left to the next commit, the copy of
    /// the deleted pages ran inside it while the writes queued behind waited (up to 65 ms).
    private func prune(_ table: String, where condition: String, cutoff: Date, batchSize: Int) async throws(StoreError) -> Int {
        try requireWritable()
        var size = min(batchSize, 200)
        var deleted = 0
        while true {
            let started = ContinuousClock.now
            let oldest = SQLStatement("SELECT id FROM \(table) WHERE \(condition) ORDER BY at LIMIT ?",
                                      [.integer(StoreTime.milliseconds(cutoff)), .integer(Int64(size))])
            let ids = try await read(oldest).compactMap { $0.integer("id") }
            guard !ids.isEmpty else { return deleted }
            let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
            try await commit([SQLStatement("DELETE FROM \(table) WHERE id IN (\(placeholders))", ids.map(SQLValue.integer))])
            // Only sooner than SQLite would: if it fails, the next commit checkpoints as usual.
            try? await database.checkpoint()
            deleted += ids.count
            if ids.count < size { return deleted }
            let took = ContinuousClock.now - started
            if took > Self.pruneBatchBudget {
                size = max(20, size / 2)
            } else if took < Self.pruneBatchBudget / 2 {
                size = min(batchSize, size * 2)
            }
            try? await Task.sleep(for: took)
        }
    }

    /// How long one prune transaction should take.
    static let pruneBatchBudget = Duration.milliseconds(25)

    /// Runs a write transaction to completion even when the caller's task is cancelled (a
    /// client that hung up, a server shutting down): a decision or a batch of failures the
    /// store was handed is written or fails on its own terms, never dropped half-way by
    /// cancellation. GRDB and PostgresNIO both give up on a cancelled task otherwise. The
    /// caller waits at most the store's deadline.
    func commit(_ statements: [SQLStatement], within deadline: StoreDeadline? = nil) async throws(StoreError) {
        let database = self.database
        try await (deadline ?? self.deadline).run(cancelOnTimeout: false, "write") { () throws(StoreError) in
            try await database.transaction(statements)
        }
    }

    /// Every read goes through here: bounded by the deadline, cancelled when it passes.
    /// `long`: the statement may run as long as the deadline, instead of the database's usual
    /// statement timeout (exact counts an operator asked for).
    func read(_ statement: SQLStatement, long: Bool = false) async throws(StoreError) -> [SQLRow] {
        let database = self.database, limit = deadline.limit
        return try await deadline.run(cancelOnTimeout: true, "read") { () throws(StoreError) in
            long ? try await database.rows(statement, statementTimeout: limit) : try await database.rows(statement)
        }
    }

    /// Bytes the store takes on disk: the whole SQLite file (pages in use and free), or the
    /// PostgreSQL database. For sizing (bytes per row in BENCHMARKS.md), not for accounting.
    public func storageBytes() async throws(StoreError) -> Int64 {
        let sql = switch database.dialect {
        case .sqlite: "SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()"
        case .postgres: "SELECT pg_database_size(current_database()) AS bytes"
        }
        return try await read(SQLStatement(sql)).first?.integer("bytes") ?? 0
    }

    /// Marks the store as served by a connect-server (`node`), now: `dev seed` then refuses it.
    public func markServed(node: String) async throws(StoreError) {
        try requireWritable()
        try await commit([SQLStatement(
            "INSERT INTO store_marker (name, value, at) VALUES ('served_by', ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value, at = excluded.at",
            [.text(node), .integer(StoreTime.milliseconds(Date()))])])
    }

    /// The node that last served the store and when, if a connect-server ever has.
    public func servedBy() async throws(StoreError) -> (node: String, at: Date)? {
        guard let row = try await read(SQLStatement("SELECT value, at FROM store_marker WHERE name = 'served_by'")).first,
              let node = row.text("value"), let at = row.integer("at") else { return nil }
        return (node, StoreTime.date(at))
    }

    /// A cheap round trip: `/readyz` and the console's status line.
    public func ping() async throws(StoreError) {
        _ = try await read(SQLStatement("SELECT 1 AS ok"))
    }

    func requireWritable() throws(StoreError) {
        guard mode == .readWrite else { throw StoreError(.failed, "this store was opened read-only") }
    }

    // MARK: - Reads

    public func tenant(clientKey: String) async throws(StoreError) -> Tenant? {
        let rows = try await read(SQLStatement(
            "SELECT \(StoreStatements.tenantColumns) FROM tenant WHERE client_key = ?", [.text(clientKey)]))
        return try rows.first.map { row throws(StoreError) in try StoreRows.tenant(row, keyRing: keyRing) }
    }

    /// Client keys in the order of their rows' last change, `limit` at a time after `position`
    /// (nil: from the start), for a node's in-memory index of which tenants exist. Keyset
    /// paging over the `tenant_by_updated_at` index.
    public func tenantKeys(after position: TenantKeyPosition?, limit: Int) async throws(StoreError) -> [TenantKeyPosition] {
        let start = position ?? TenantKeyPosition(updatedAt: Int64.min, clientKey: "")
        let rows = try await read(SQLStatement(
            "SELECT client_key, updated_at FROM tenant WHERE updated_at > ? OR (updated_at = ? AND client_key > ?) "
                + "ORDER BY updated_at, client_key LIMIT ?",
            [.integer(start.updatedAt), .integer(start.updatedAt), .text(start.clientKey), .integer(Int64(limit))]))
        return try rows.map { row throws(StoreError) in
            guard let clientKey = row.text("client_key"), let updatedAt = row.integer("updated_at") else { throw StoreRows.damaged("tenant", row) }
            return TenantKeyPosition(updatedAt: updatedAt, clientKey: clientKey)
        }
    }

    /// Not indexed: a diagnosis lookup (which tenant an act-as-user assertion names).
    public func tenant(oauthClientId: String) async throws(StoreError) -> Tenant? {
        let rows = try await read(SQLStatement(
            "SELECT \(StoreStatements.tenantColumns) FROM tenant WHERE oauth_client_id = ? LIMIT 1", [.text(oauthClientId)]))
        return try rows.first.map { row throws(StoreError) in try StoreRows.tenant(row, keyRing: keyRing) }
    }

    public func tenants(_ query: TenantQuery) async throws(StoreError) -> TenantPage {
        var useSearchIndex = false
        if database.dialect == .sqlite, let filter = query.filter, filter.count >= 3 {
            // Few matches: fetch just those through the trigram index. Many: walking the sort
            // index fills the page sooner than sorting thousands of matches.
            let matches = try await read(StoreStatements.searchCount(filter)).first?.integer("n") ?? 0
            useSearchIndex = matches <= 2000
        }
        let statement = StoreStatements.tenantPage(query, dialect: database.dialect, useSearchIndex: useSearchIndex)
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
        let placeholders = Array(repeating: "?", count: clientKeys.count).joined(separator: ",")
        let rows = try await read(SQLStatement(
            "SELECT client_key, SUM(count) AS n FROM auth_failure WHERE client_key IN (\(placeholders)) AND at >= ? GROUP BY client_key",
            clientKeys.map(SQLValue.text) + [.integer(StoreTime.milliseconds(since))]))
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
        Int(try await read(SQLStatement("SELECT COUNT(*) AS n FROM tenant WHERE addon_key <> ?", [.text(addonKey)])).first?.integer("n") ?? 0)
    }

    public func failures(_ query: FailureQuery) async throws(StoreError) -> [AuthFailure] {
        try await read(StoreStatements.failurePage(query)).map(StoreRows.failure)
    }

    /// The secrets a tenant has had, newest first.
    public func secretHistory(clientKey: String) async throws(StoreError) -> [SecretHistoryEntry] {
        try await read(SQLStatement(
            "SELECT client_key, fingerprint, shared_secret, current_from, current_until FROM tenant_secret WHERE client_key = ? ORDER BY current_from DESC",
            [.text(clientKey)])).map { row throws(StoreError) in try StoreRows.secret(row, keyRing: keyRing) }
    }

    /// Exact counts over whole tables: on PostgreSQL they may run as long as the store's
    /// deadline allows (`store info` waits a minute), not just the usual statement timeout.
    public func summary() async throws(StoreError) -> StoreSummary {
        let rows = try await read(SQLStatement("""
            SELECT (SELECT COUNT(*) FROM tenant) AS tenants,
                   (SELECT COUNT(*) FROM install_event) AS events,
                   (SELECT COUNT(*) FROM auth_failure) AS failures,
                   (SELECT COALESCE(MAX(id), 0) FROM auth_failure) AS last_failure
            """), long: true)
        let row = rows.first
        return StoreSummary(
            schemaVersion: try await checkSchema(),
            tenants: Int(row?.integer("tenants") ?? 0), installEvents: Int(row?.integer("events") ?? 0),
            authFailures: Int(row?.integer("failures") ?? 0), lastFailureID: row?.integer("last_failure") ?? 0)
    }

    public func tenantCount() async throws(StoreError) -> Int {
        Int(try await read(SQLStatement("SELECT COUNT(*) AS n FROM tenant")).first?.integer("n") ?? 0)
    }

    /// Failures (counts included) per minute since `since`, keyed by minutes since 1970:
    /// the console's rate line. A range scan of the `at` index.
    public func failuresPerMinute(since: Date) async throws(StoreError) -> [Int64: Int] {
        let rows = try await read(SQLStatement(
            "SELECT at / 60000 AS minute, SUM(count) AS n FROM auth_failure WHERE at >= ? GROUP BY at / 60000",
            [.integer(StoreTime.milliseconds(since))]))
        var counts: [Int64: Int] = [:]
        for row in rows {
            if let minute = row.integer("minute") { counts[minute] = Int(row.integer("n") ?? 0) }
        }
        return counts
    }

    /// Failures (counts included) at or after `since`: the console's rate over the last 60 s.
    public func failureCount(since: Date) async throws(StoreError) -> Int {
        let rows = try await read(SQLStatement("SELECT COALESCE(SUM(count), 0) AS n FROM auth_failure WHERE at >= ?",
                                               [.integer(StoreTime.milliseconds(since))]))
        return Int(rows.first?.integer("n") ?? 0)
    }

    /// The id of the newest failure: where a live tail starts.
    public func lastFailureID() async throws(StoreError) -> Int64 {
        try await read(SQLStatement("SELECT COALESCE(MAX(id), 0) AS last FROM auth_failure")).first?.integer("last") ?? 0
    }
}
