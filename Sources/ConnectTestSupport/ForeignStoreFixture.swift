import AdminCore
import ConnectCore
import Foundation
import GRDB
import Logging
import PostgresNIO

/// Stores laid out as atlassian-connect-express and atlassian-connect-spring-boot lay them
/// out, built with plain SQL on real engines, for the foreign-store tests.
public enum ForeignStoreFixture {
    /// A SQLite file (rollback journal, as Sequelize leaves it) made by running `statements`.
    public static func sqlite(_ statements: [String]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("foreign-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("ace.sqlite").path
        try sqliteExecute(path, statements)
        return path
    }

    /// Puts the SQLite file at `path` in WAL mode, as an app that uses it does; the program
    /// closes it cleanly, so no `-wal` or `-shm` is left.
    public static func sqliteToWAL(_ path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
        try queue.close()
    }

    /// Runs `statements` in the SQLite file at `path` (another program's store, in tests).
    public static func sqliteExecute(_ path: String, _ statements: [String]) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            for statement in statements { try db.execute(sql: statement) }
        }
        try queue.close()
    }

    /// A fresh PostgreSQL database (on the server `scripts/test.sh` starts) with `statements` run in it.
    public static func postgres(_ statements: [String]) async throws -> StoreLocation.PostgresLocation {
        guard case .postgres(let location) = try await TestStoreBackend.postgres.freshLocation() else {
            throw TestSetupError("expected a PostgreSQL location")
        }
        try await run(statements, on: location)
        return location
    }

    /// Runs `statements` on the database at `location`; returns the rows of the last one as text.
    @discardableResult
    public static func run(_ statements: [String], on location: StoreLocation.PostgresLocation) async throws -> [[String]] {
        let logger = Logger(label: "test-fixture")
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: location.host, port: location.port, username: location.username,
                                 password: location.password, database: location.database, tls: .disable),
            id: 2, logger: logger)
        var result: [[String]] = []
        do {
            for statement in statements {
                result = []
                let rows = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                for try await row in rows { result.append(row.map { (try? $0.decode(String.self)) ?? "" }) }
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
        return result
    }

    /// The throwaway redis-server `scripts/test.sh` starts (`CONNECT_TEST_REDIS_URL`).
    public static var redisURL: String? { ProcessInfo.processInfo.environment["CONNECT_TEST_REDIS_URL"] }

    /// Runs one command on that server with `redis-cli` (the fixtures write; ConnectAdmin never
    /// does) and returns its output.
    @discardableResult
    public static func redis(_ arguments: [String]) throws -> String {
        guard let url = redisURL, let components = URLComponents(string: url) else {
            throw TestSetupError("CONNECT_TEST_REDIS_URL is not set: run scripts/test.sh, which starts a throwaway redis-server")
        }
        return try ToolCommand.run(["redis-cli", "-h", components.host ?? "127.0.0.1", "-p", String(components.port ?? 6379)] + arguments,
                                   environment: ["REDISCLI_AUTH": components.password ?? ""]).stdout
    }

    /// `text` as a SQL string literal.
    public static func literal(_ text: String?) -> String {
        text.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" } ?? "NULL"
    }

    /// ACE's `clientInfo`: the raw `/installed` body as JSON text.
    public static func clientInfo(clientKey: String, secret: String?, baseUrl: String, description: String = "Atlassian JIRA",
                                  productType: String = "jira", oauthClientId: Bool = true) -> String {
        var body: [String: Any] = [
            "key": "com.example.ace-app", "clientKey": clientKey, "baseUrl": baseUrl, "productType": productType,
            "description": description, "eventType": "installed", "serverVersion": "100179", "pluginsVersion": "1.0.0",
            "publicKey": "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", "oauthClientId": "oauth-\(clientKey)",
        ]
        if let secret { body["sharedSecret"] = secret }
        if !oauthClientId { body["oauthClientId"] = nil }
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
