import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import ConnectCore

/// The PostgreSQL backend (PostgresNIO): a connection pool, optional TLS, and a statement
/// timeout so one slow query can never hang the server or the console.
final class PostgresDatabase: SQLDatabase {
    let dialect = SQLDialect.postgres
    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let location: StoreLocation.PostgresLocation
    private static let logger = Logger(label: "connect-store.postgres")

    /// Seconds a statement may run before PostgreSQL cancels it.
    static let statementTimeoutSeconds = 10

    private init(client: PostgresClient, runTask: Task<Void, Never>, location: StoreLocation.PostgresLocation) {
        self.client = client
        self.runTask = runTask
        self.location = location
    }

    /// Starts the pool, which opens its first connection at once, and meanwhile connects once
    /// directly, so that a wrong password or a closed port is reported at once, in one sentence
    /// (the pool would only retry). The two handshakes overlap: a console's first screen
    /// waits for one connection's authentication, not two in a row.
    /// `readOnly`: every transaction of every connection is read-only (PostgreSQL refuses any
    /// write), for stores ConnectAdmin must never change.
    static func connect(_ location: StoreLocation.PostgresLocation, readOnly: Bool = false) async throws(StoreError) -> PostgresDatabase {
        let probe = try connectionConfiguration(location)
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: location.requireTLS ? .require(tlsConfiguration()) : .disable)
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.minimumConnections = 1
        configuration.options.maximumConnections = 8
        configuration.options.additionalStartupParameters = [("statement_timeout", "\(statementTimeoutSeconds)s")]
            + (readOnly ? [("default_transaction_read_only", "on")] : [])
        let client = PostgresClient(configuration: configuration)
        let runTask = Task { await client.run() }
        do {
            let connection = try await PostgresConnection.connect(configuration: probe, id: 0, logger: logger)
            try await connection.close()
        } catch {
            runTask.cancel()
            await runTask.value
            throw storeError(error, location)
        }
        return PostgresDatabase(client: client, runTask: runTask, location: location)
    }

    /// One connection outside the pool: the first probe, and the live tail's listener.
    static func connectionConfiguration(_ location: StoreLocation.PostgresLocation) throws(StoreError) -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        if location.requireTLS {
            do {
                tls = .require(try NIOSSLContext(configuration: tlsConfiguration()))
            } catch {
                throw StoreError(.unreachable, "cannot set up TLS for PostgreSQL: \(error)")
            }
        } else {
            tls = .disable
        }
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    /// TLS with the system's trust roots and hostname verification (`sslmode=require`).
    static func tlsConfiguration() -> TLSConfiguration {
        TLSConfiguration.makeClientConfiguration()
    }

    func rows(_ statement: SQLStatement) async throws(StoreError) -> [SQLRow] {
        do {
            return try await Self.collect(try await client.query(PostgresDatabase.query(statement), logger: PostgresDatabase.logger))
        } catch {
            throw PostgresDatabase.storeError(error, location)
        }
    }

    /// In a transaction of its own, whose `SET LOCAL` ends with it: the pooled connection
    /// keeps its usual timeout for the next caller.
    func rows(_ statement: SQLStatement, statementTimeout: Duration) async throws(StoreError) -> [SQLRow] {
        let milliseconds = max(1, StoreTime.milliseconds(statementTimeout))
        do {
            return try await client.withTransaction(logger: PostgresDatabase.logger) { connection in
                _ = try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL statement_timeout = \(milliseconds)"), logger: PostgresDatabase.logger)
                return try await Self.collect(try await connection.query(PostgresDatabase.query(statement), logger: PostgresDatabase.logger))
            }
        } catch {
            throw PostgresDatabase.storeError(error, location)
        }
    }

    private static func collect(_ sequence: PostgresRowSequence) async throws -> [SQLRow] {
        var rows: [SQLRow] = []
        for try await row in sequence {
            rows.append(try Self.row(row))
        }
        return rows
    }

    func transaction(_ statements: [SQLStatement]) async throws(StoreError) {
        try await insert([], after: statements)
    }

    /// `COPY … FROM STDIN` in text format, sent 1 000 rows a piece, inside the
    /// transaction that runs `statements` first.
    func insert(_ bulk: [BulkRows], after statements: [SQLStatement]) async throws(StoreError) {
        do {
            try await client.withTransaction(logger: PostgresDatabase.logger) { connection in
                for statement in statements {
                    let rows = try await connection.query(PostgresDatabase.query(statement), logger: PostgresDatabase.logger)
                    if statement.requiresRow {
                        var found = false
                        for try await _ in rows { found = true }
                        guard found else { throw StoreError(.conflict, "the row changed while the write was decided") }
                    }
                }
                for table in bulk where !table.rows.isEmpty {
                    try await connection.copyFrom(table: table.table, columns: table.columns, logger: PostgresDatabase.logger) { writer in
                        var start = 0
                        var text: [UInt8] = []
                        while start < table.rows.count {
                            let end = min(table.rows.count, start + 1000)
                            text.removeAll(keepingCapacity: true)
                            table.appendCopyText(rows: start..<end, to: &text)
                            try await writer.write(ByteBuffer(bytes: text))
                            start = end
                        }
                    }
                }
            }
        } catch {
            throw PostgresDatabase.storeError(error, location)
        }
    }

    func tableExists(_ name: String) async throws(StoreError) -> Bool {
        let rows = try await rows(SQLStatement("SELECT to_regclass(?)::text AS name", [.text(name)]))
        return rows.first?.text("name") != nil
    }

    func columns(of table: String) async throws(StoreError) -> Set<String> {
        let rows = try await rows(SQLStatement(
            "SELECT column_name::text AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?", [.text(table)]))
        return Set(rows.compactMap { $0.text("name") })
    }

    /// `VACUUM` (outside a transaction) marks the replaced row versions free; PostgreSQL
    /// overwrites their bytes only when it reuses the space, and its WAL and backups keep them
    /// until recycled (docs/operations.md).
    func scrub(tables: [String]) async throws(StoreError) -> String? {
        _ = try await rows(SQLStatement("VACUUM " + tables.joined(separator: ", ")))
        return "PostgreSQL keeps replaced row versions in free space until it is reused, and in its WAL and base backups until they are recycled: see \"Secrets at rest\" in docs/operations.md"
    }

    func checkpoint() async throws(StoreError) {}

    /// `LISTEN` on a connection of its own (a pooled one would be handed to other queries),
    /// held for as long as the stream is read. `interval` does not apply: notifications come
    /// as writers commit.
    func changes(channel: String, checkEvery interval: Duration) -> AsyncStream<Void> {
        let location = self.location
        return AsyncStream { continuation in
            let task = Task.detached {
                defer { continuation.finish() }
                guard let configuration = try? PostgresDatabase.connectionConfiguration(location),
                      let connection = try? await PostgresConnection.connect(configuration: configuration, id: 1, logger: PostgresDatabase.logger)
                else { return }
                _ = try? await connection.listen(on: channel) { notifications in
                    for try await _ in notifications { continuation.yield() }
                }
                try? await connection.close()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    func close() async {
        runTask.cancel()
        _ = await runTask.value
    }

    static func query(_ statement: SQLStatement) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: statement.bindings.count)
        for value in statement.bindings {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let integer): bindings.append(integer)
            case .text(let text): bindings.append(text)
            }
        }
        return PostgresQuery(unsafeSQL: statement.postgresSQL, binds: bindings)
    }

    static func row(_ row: PostgresRow) throws -> SQLRow {
        var values: [String: SQLValue] = [:]
        for cell in row {
            guard cell.bytes != nil else {
                values[cell.columnName] = .null
                continue
            }
            switch cell.dataType {
            case .int2, .int4, .int8, .numeric:
                if cell.dataType == .numeric {
                    values[cell.columnName] = .integer(Int64(try cell.decode(String.self)) ?? 0)
                } else {
                    values[cell.columnName] = .integer(try cell.decode(Int64.self))
                }
            default:
                values[cell.columnName] = .text(try cell.decode(String.self))
            }
        }
        return SQLRow(values: values)
    }

    /// One sentence for what went wrong, without the password.
    static func storeError(_ error: any Error, _ location: StoreLocation.PostgresLocation) -> StoreError {
        let target = "\(location.host):\(location.port)/\(location.database)"
        if let error = error as? StoreError { return error }
        if let error = error as? PostgresTransactionError,
           let underlying = error.closureError ?? error.beginError ?? error.commitError {
            return storeError(underlying, location)
        }
        guard let error = error as? PSQLError else {
            return StoreError(.unreachable, "cannot reach PostgreSQL at \(target): \(error)")
        }
        if let state = error.serverInfo?[.sqlState] {
            let message = error.serverInfo?[.message] ?? "error \(state)"
            switch state {
            case "28P01", "28000":
                return StoreError(.unreachable, "PostgreSQL at \(target) refused user \(location.username): check the user and password in the store URL")
            case "3D000":
                return StoreError(.unreachable, "PostgreSQL at \(target) has no database \(location.database): create it or fix the store URL")
            case "57014":
                return StoreError(.failed, "a PostgreSQL statement ran longer than \(statementTimeoutSeconds) s and was cancelled")
            default:
                return StoreError(.failed, "PostgreSQL at \(target) failed: \(message) (\(state))")
            }
        }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed:
            let underlying = error.underlying.map { "\($0)".lowercased() } ?? ""
            let why = underlying.contains("refused") ? " (connection refused)"
                : underlying.contains("timeout") || underlying.contains("timed out") ? " (timed out)" : ""
            return StoreError(.unreachable, "cannot reach PostgreSQL at \(target)\(why): check that it is running and the host and port are right")
        default:
            return StoreError(.failed, "PostgreSQL at \(target) failed: \(error.code)")
        }
    }
}
