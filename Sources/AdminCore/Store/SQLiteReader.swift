import ConnectCore
import Foundation
import GRDB
import NIOConcurrencyHelpers

/// A SQLite store opened to read: a read-only GRDB queue, so nothing it does can write.
///
/// `leaveNoFiles`: for another program's store (`ace+sqlite:`), which is read without
/// creating anything beside it. SQLite reads a WAL-mode file through its `-wal` and `-shm`
/// files and creates them (owned by the reader) when the app has not; when they are absent
/// the app has the file closed, and it is opened `immutable` instead, which creates nothing.
final class SQLiteReader: SQLiteConnection {
    let path: String
    private let queue: DatabaseQueue
    var connection: any DatabaseReader { queue }

    init(path: String, leaveNoFiles: Bool = false) throws(StoreError) {
        self.path = path
        try SQLiteStoreFile.check(path, forWriting: false)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw StoreError(.unreachable, "no store at \(path): start connect-server with --store sqlite:\(path) or pass --store")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.label = "connect-store"
        configuration.readonly = true
        do {
            let opened = leaveNoFiles && SQLiteDatabase.isIdleWAL(path) ? SQLiteDatabase.immutableURI(path) : path
            queue = try DatabaseQueue(path: opened, configuration: configuration)
            // Opening is lazy about the header: read it now so a non-database fails here.
            _ = try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master") }
        } catch {
            throw SQLiteDatabase.storeError(error, path: path)
        }
    }

    func close() async {
        try? queue.close()
    }
}

/// What a SQLite reader and the writer read alike, over whichever GRDB connection they hold.
protocol SQLiteConnection: SQLReading {
    var path: String { get }
    var connection: any DatabaseReader { get }
}

extension SQLiteConnection {
    var dialect: SQLDialect { .sqlite }

    func rows(_ statement: SQLStatement) async throws(StoreError) -> [SQLRow] {
        do {
            return try await connection.read { db in
                try Row.fetchAll(db, sql: statement.sql, arguments: SQLiteDatabase.arguments(statement)).map(SQLiteDatabase.row)
            }
        } catch {
            throw SQLiteDatabase.storeError(error, path: path)
        }
    }

    func rows(_ statement: SQLStatement, statementTimeout: Duration) async throws(StoreError) -> [SQLRow] {
        try await rows(statement)
    }

    func tableExists(_ name: String) async throws(StoreError) -> Bool {
        let rows = try await rows(SQLStatement("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", [.text(name)]))
        return !rows.isEmpty
    }

    func columns(of table: String) async throws(StoreError) -> Set<String> {
        Set(try await rows(SQLStatement("SELECT name FROM pragma_table_info(?)", [.text(table)])).compactMap { $0.text("name") })
    }

    /// A read-only connection of its own reads `PRAGMA data_version`, which moves whenever
    /// another connection commits to the file; a few microseconds, where a tail query would
    /// read the failure table. A dispatch timer, not a task: the check runs 50 times a second
    /// for as long as a console is open, and a sleeping task plus GRDB's async hop cost the idle
    /// console a percent of a core.
    func changes(channel: String, checkEvery interval: Duration) -> AsyncStream<Void> {
        AsyncStream { continuation in
            var configuration = Configuration()
            configuration.readonly = true
            configuration.label = "connect-store-watch"
            guard let connection = try? DatabaseQueue(path: path, configuration: configuration) else {
                continuation.finish()
                return
            }
            // The version last read, and whether the reader has gone (the timer then stops itself).
            let state = NIOLockedValueBox((seen: Int?.none, stopped: false))
            let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "connect-store-watch"))
            timer.setEventHandler {
                // Outside a transaction and from the statement cache.
                guard !state.withLockedValue({ $0.stopped }),
                      let version = try? connection.inDatabase({ db in try Int.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) })
                else {
                    timer.cancel()
                    continuation.finish()
                    return
                }
                let previous = state.withLockedValue { state in defer { state.seen = version }; return state.seen }
                if let previous, previous != version { continuation.yield() }
            }
            let (seconds, attoseconds) = interval.components
            timer.schedule(deadline: .now(), repeating: .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)),
                           leeway: .milliseconds(2))
            continuation.onTermination = { _ in state.withLockedValue { $0.stopped = true } }
            timer.resume()
        }
    }

}
