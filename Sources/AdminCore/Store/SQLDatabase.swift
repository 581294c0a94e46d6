import ConnectCore

/// What a store reader needs from a database engine: read rows, look at the schema, watch
/// for changes. A reader holds only this, so it cannot write.
protocol SQLReading: Sendable {
    var dialect: SQLDialect { get }
    func rows(_ statement: SQLStatement) async throws(StoreError) -> [SQLRow]
    /// The same, with `statementTimeout` instead of the engine's usual one (PostgreSQL's
    /// 10 s): for counts over a whole big table that an operator asked for and waits on.
    /// SQLite has no statement timeout.
    func rows(_ statement: SQLStatement, statementTimeout: Duration) async throws(StoreError) -> [SQLRow]
    func tableExists(_ name: String) async throws(StoreError) -> Bool
    /// The names of `table`'s columns (empty when there is no such table).
    func columns(of table: String) async throws(StoreError) -> Set<String>
    /// Wake-ups when another connection may have written: PostgreSQL delivers `channel`'s
    /// notifications (writers send them); SQLite has no notifications, so the file's
    /// `data_version` is checked every `interval` (a pragma, not a query). Ends when the watch
    /// cannot go on (store gone, connection lost); the caller then polls.
    func changes(channel: String, checkEvery interval: Duration) -> AsyncStream<Void>
    func close() async
}

/// What a store writer needs besides: apply a batch of statements atomically, bulk inserts,
/// and the engine's upkeep. `SQLiteDatabase` (GRDB) and `PostgresDatabase` (PostgresNIO)
/// implement it; everything above it — schema, statements, read models — is shared, so both
/// backends behave identically by construction.
protocol SQLDatabase: SQLReading {
    /// Runs `statements` in one transaction: all or nothing.
    func transaction(_ statements: [SQLStatement]) async throws(StoreError)
    /// Runs `statements`, then writes `bulk` (in order), in one transaction: all or nothing.
    func insert(_ bulk: [BulkRows], after statements: [SQLStatement]) async throws(StoreError)
    /// Makes the old versions of rows updated in `tables` unreadable from the store's files
    /// where the engine allows it (after sealing secrets, the plain ones). Returns a sentence
    /// on what may remain, or `nil` when nothing does.
    func scrub(tables: [String]) async throws(StoreError) -> String?
    /// After a large delete: SQLite copies the pages it left in the WAL into the database file
    /// now, as a step of its own on the writer, instead of inside the next commit. PostgreSQL
    /// has nothing to do.
    func checkpoint() async throws(StoreError)
}

/// The few places where SQLite and PostgreSQL SQL differ.
enum SQLDialect: Sendable {
    case sqlite, postgres

    /// An auto-incrementing, never-reused 64-bit key.
    var serialPrimaryKey: String {
        switch self {
        case .sqlite: return "INTEGER PRIMARY KEY AUTOINCREMENT"
        case .postgres: return "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
        }
    }

    /// A statement that serialises id assignment with commit order for the rest of the
    /// transaction, so that a tail cursor "id > N" can never skip a row committed late.
    /// SQLite has one writer at a time already.
    var serializeInsertsStatement: SQLStatement? {
        switch self {
        case .sqlite: return nil
        case .postgres: return SQLStatement("SELECT pg_advisory_xact_lock(727272)")
        }
    }

    /// Sent in every transaction that records failures: PostgreSQL delivers it once, at commit,
    /// to every connection listening (the consoles' live tails). SQLite's readers see the file
    /// change instead.
    var failuresWrittenStatement: SQLStatement? {
        switch self {
        case .sqlite: return nil
        case .postgres: return SQLStatement("NOTIFY \(SQLDialect.failureChannel)")
        }
    }

    /// Lifts the statement timeout for the rest of the transaction (migrations). SQLite has none.
    var noStatementTimeout: SQLStatement? {
        switch self {
        case .sqlite: return nil
        case .postgres: return SQLStatement("SET LOCAL statement_timeout = 0")
        }
    }

    /// The PostgreSQL notification channel of `failuresWrittenStatement`.
    static let failureChannel = "connect_admin_failures"

    /// A statement that serialises writers of one tenant for the rest of the transaction, so
    /// that a guard reading its row sees every committed change (PostgreSQL, several nodes).
    /// SQLite's IMMEDIATE transactions already exclude every other writer.
    func tenantLockStatement(_ clientKey: String) -> SQLStatement? {
        switch self {
        case .sqlite: return nil
        case .postgres: return SQLStatement("SELECT pg_advisory_xact_lock(727273, hashtext(?))", [.text(clientKey)])
        }
    }
}
