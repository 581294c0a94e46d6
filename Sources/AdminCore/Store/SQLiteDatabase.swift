import Foundation
import GRDB
import NIOConcurrencyHelpers
import ConnectCore

/// The SQLite backend's writer (GRDB): WAL mode so a reader never blocks the writer, a busy
/// timeout for the rare writer/writer overlap, files created 0600. Readers open the file with
/// `SQLiteReader`, which cannot write; what both read is `SQLiteConnection`'s.
final class SQLiteDatabase: SQLiteConnection, SQLDatabase {
    let path: String
    private let writer: DatabasePool
    var connection: any DatabaseReader { writer }

    /// Opens (creating it 0600 when it does not exist) the store file at `path` for writing.
    init(path: String) throws(StoreError) {
        self.path = path
        try SQLiteStoreFile.check(path, forWriting: true)
        if !FileManager.default.fileExists(atPath: path) { try SQLiteDatabase.createPrivateFile(path) }
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.label = "connect-store"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Keep the WAL from growing without bound between checkpoints: a reader
            // opening the store has to index all of it.
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
        }
        do {
            writer = try DatabasePool(path: path, configuration: configuration)
            _ = try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master") }
        } catch {
            throw SQLiteDatabase.storeError(error, path: path)
        }
    }

    /// A WAL-mode database (header bytes 18 and 19 are 2) that no program has open: no `-shm`.
    static func isIdleWAL(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 20), header.count == 20 else { return false }
        return header[18] == 2 && header[19] == 2 && !FileManager.default.fileExists(atPath: path + "-shm")
    }

    /// `file:` URI for `path` with `immutable=1` (SQLite takes URIs in this build).
    static func immutableURI(_ path: String) -> String {
        let allowed = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "?#%"))
        return "file:" + (path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path) + "?immutable=1"
    }

    /// Creates an empty file readable by its owner only, before SQLite sees it; SQLite gives
    /// its -wal and -shm files the same mode.
    static func createPrivateFile(_ path: String) throws(StoreError) {
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw StoreError(.unreachable, "cannot create store file \(path) (\(reason)): check that its directory exists and is writable")
        }
        closeDescriptor(fd)
    }

    func transaction(_ statements: [SQLStatement]) async throws(StoreError) {
        try await insert([], after: statements)
    }

    /// `bulk` through one prepared statement per table, run once per row: no SQL text is
    /// built or parsed per row.
    func insert(_ bulk: [BulkRows], after statements: [SQLStatement]) async throws(StoreError) {
        do {
            // GRDB writes in an IMMEDIATE transaction: guards read the row as it is under the lock.
            try await writer.write { db in
                for statement in statements {
                    if statement.requiresRow {
                        guard try Row.fetchOne(db, sql: statement.sql, arguments: SQLiteDatabase.arguments(statement)) != nil else {
                            throw StoreError(.conflict, "the row changed while the write was decided")
                        }
                    } else {
                        try db.execute(sql: statement.sql, arguments: SQLiteDatabase.arguments(statement))
                    }
                }
                if !bulk.isEmpty {
                    // Index pages of a million-row table stay in memory between batches
                    // (SQLite's default is 2 MB): a 1M-row import took 20 % less time.
                    try db.execute(sql: "PRAGMA cache_size = -262144")
                }
                for table in bulk where !table.rows.isEmpty {
                    let insert = try db.makeStatement(sql: table.insertSQL)
                    for row in table.rows {
                        try insert.execute(arguments: SQLiteDatabase.arguments(row))
                    }
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw SQLiteDatabase.storeError(error, path: path)
        }
    }

    /// `secure_delete` zeroes freed cells, `VACUUM` rewrites every page from live rows only,
    /// and a TRUNCATE checkpoint empties the WAL, which held the old page images.
    func scrub(tables: [String]) async throws(StoreError) -> String? {
        do {
            return try await writer.writeWithoutTransaction { db -> String? in
                try db.execute(sql: "PRAGMA secure_delete = ON")
                try db.execute(sql: "VACUUM")
                do {
                    _ = try db.checkpoint(.truncate)
                    return nil
                } catch {
                    return "another process kept the store's WAL (\(self.path)-wal) open, so it still holds old pages until connect-server's next checkpoint: run this again with the server stopped to be sure"
                }
            }
        } catch {
            throw SQLiteDatabase.storeError(error, path: path)
        }
    }

    /// A passive checkpoint on the writer's queue, as a job of its own: a write that queued
    /// behind the last transaction goes first, and the next commit finds the WAL copied (and
    /// restarts it) instead of running the checkpoint inside itself while later writes wait.
    func checkpoint() async throws(StoreError) {
        do {
            try await writer.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
        } catch {
            throw SQLiteDatabase.storeError(error, path: path)
        }
    }

    func close() async {
        // Fold the WAL back into the database so the next reader opens it at once.
        _ = try? await writer.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        try? writer.close()
    }

    static func arguments(_ statement: SQLStatement) -> StatementArguments {
        arguments(statement.bindings)
    }

    /// Built from optionals: GRDB's initializer for a sequence of one concrete type maps it
    /// with a generic key path that the runtime instantiates on every call, which was a
    /// quarter of a bulk import's time (`perf`, `dev seed`).
    static func arguments(_ values: [SQLValue]) -> StatementArguments {
        StatementArguments(values.map { value -> (any DatabaseValueConvertible)? in
            switch value {
            case .null: return nil
            case .integer(let integer): return integer
            case .text(let text): return text
            }
        })
    }

    static func row(_ row: Row) -> SQLRow {
        var values: [String: SQLValue] = [:]
        values.reserveCapacity(row.count)
        for (column, value) in row {
            switch value.storage {
            case .null: values[column] = .null
            case .int64(let integer): values[column] = .integer(integer)
            case .double(let double): values[column] = .integer(Int64(double))
            case .string(let text): values[column] = .text(text)
            case .blob(let data): values[column] = .text(String(decoding: data, as: UTF8.self))
            }
        }
        return SQLRow(values: values)
    }

    /// One sentence for what went wrong, by SQLite result code.
    static func storeError(_ error: any Error, path: String) -> StoreError {
        guard let error = error as? DatabaseError else {
            return StoreError(.failed, "SQLite store \(path) failed: \(error)")
        }
        switch error.resultCode {
        case .SQLITE_NOTADB:
            return StoreError(.unreadable, "\(path) is not a SQLite database: check the --store path")
        case .SQLITE_CORRUPT:
            return StoreError(.unreadable, "the SQLite store \(path) is corrupted: restore it from a backup")
        case .SQLITE_CANTOPEN:
            return StoreError(.unreachable, "cannot open the SQLite store \(path): check the path and its permissions")
        case .SQLITE_READONLY:
            return StoreError(.failed, "the SQLite store \(path) is read-only here: check its permissions")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StoreError(.failed, "the SQLite store \(path) stayed locked by another writer for 5 s: retry")
        case .SQLITE_FULL:
            return StoreError(.failed, "the disk holding \(path) is full")
        default:
            return StoreError(.failed, "SQLite store \(path) failed: \(error.message ?? "\(error.resultCode)")")
        }
    }
}

/// `close(2)`, out of reach of `SQLiteDatabase.close()`'s name.
private func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}
