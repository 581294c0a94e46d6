import Foundation
import ConnectCore

/// The store the server writes: tenants, install history, auth failures. One interface over
/// SQLite (the default, zero setup) and PostgreSQL (several server nodes), with the same
/// schema and the same statements on both. It reads as every `ConnectStoreReading` does; a
/// program that only reads opens a `ConnectStoreReader` instead, which has no write methods.
public final class ConnectStore: ConnectStoreReading {
    public let location: StoreLocation
    public let keyRing: SecretKeyRing
    public let reads: StoreReads
    /// The same engine as `reads`, with its writes.
    let database: any SQLDatabase
    var deadline: StoreDeadline { reads.deadline }

    init(location: StoreLocation, database: any SQLDatabase, keyRing: SecretKeyRing, deadline: Duration = .seconds(5)) {
        self.location = location
        self.database = database
        self.keyRing = keyRing
        self.reads = StoreReads(database: database, deadline: StoreDeadline(limit: deadline))
    }

    /// Opens the store at `location` to write, creating it if needed, and migrates it to the
    /// current schema. `deadline` bounds every later operation (see `StoreDeadline`); `keyRing`
    /// opens and seals shared secrets (none: plain secrets only).
    public static func open(_ location: StoreLocation, keyRing: SecretKeyRing = .none,
                            deadline: Duration = .seconds(5)) async throws(StoreError) -> ConnectStore {
        let database: any SQLDatabase
        switch location {
        case .sqlite(let path):
            database = try SQLiteDatabase(path: path)
        case .postgres(let postgres):
            database = try await PostgresDatabase.connect(postgres)
        case .foreign(let foreign):
            throw StoreError(.usage, "\(location) is an \(foreign.layout.framework) store: ConnectAdmin reads its tenants (tenants, secret check, jwt --tenant, the console) and never writes it")
        }
        let store = ConnectStore(location: location, database: database, keyRing: keyRing, deadline: deadline)
        do {
            try await store.migrate()
            try await store.prepareComingPartitions()
        } catch {
            await database.close()
            throw error
        }
        return store
    }

    // MARK: - Schema

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
        guard !events.isEmpty else { return }
        try await commit(StoreStatements.multiRowInsert(StoreStatements.eventRows(events)))
    }

    /// Records failures in as few statements as possible.
    public func record(_ failures: [AuthFailure]) async throws(StoreError) {
        guard !failures.isEmpty else { return }
        var statements: [SQLStatement] = []
        if let lock = database.dialect.serializeInsertsStatement { statements.append(lock) }
        statements += StoreStatements.multiRowInsert(StoreStatements.failureRows(failures))
        if let notify = database.dialect.failuresWrittenStatement { statements.append(notify) }
        try await commit(statements)
    }

    /// Bulk import for the data generator: tenants with their secret history, and events, in
    /// one transaction through the engine's bulk path (`COPY` on PostgreSQL).
    public func importRows(tenants: [Tenant], secrets: [SecretHistoryEntry], events: [InstallEvent]) async throws(StoreError) {
        let bulk = [try StoreStatements.tenantRows(tenants, keyRing: keyRing), try StoreStatements.secretRows(secrets, keyRing: keyRing),
                    StoreStatements.eventRows(events)]
        try await bulkInsert(bulk)
    }

    /// Bulk import of failures for the data generator and benchmarks: `record(_:)`'s
    /// guarantees (ids in commit order, the live tail woken) through the engine's bulk path.
    public func importFailures(_ failures: [AuthFailure]) async throws(StoreError) {
        try await bulkInsert([StoreStatements.failureRows(failures)], notify: database.dialect.failuresWrittenStatement)
    }

    private func bulkInsert(_ bulk: [BulkRows], notify: SQLStatement? = nil) async throws(StoreError) {
        let statements = [database.dialect.serializeInsertsStatement, notify].compactMap { $0 }
        let database = self.database
        try await Self.migrationDeadline.run(cancelOnTimeout: false, "bulk write") { () throws(StoreError) in
            try await database.insert(bulk, after: statements)
        }
    }

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

    /// Marks the store as served by a connect-server (`node`), now: `dev seed` then refuses it.
    public func markServed(node: String) async throws(StoreError) {
        try await commit([StoreStatements.markServed(node: node, at: Date())])
    }
}
