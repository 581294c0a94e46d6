import AdminCore
import ConnectCore
import Foundation
import Logging
import PostgresNIO

/// Fresh, empty store locations for tests, on SQLite (a temporary file) or PostgreSQL (a new
/// database on the server `scripts/test.sh` starts, named by `CONNECT_TEST_POSTGRES_URL`).
/// Shared by the AdminCore, server and CLI test targets; not part of any product.
public enum TestStoreBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite, postgres

    public var description: String { rawValue }

    public static var postgresURL: String? { ProcessInfo.processInfo.environment["CONNECT_TEST_POSTGRES_URL"] }

    public func freshLocation() async throws -> StoreLocation {
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            return .sqlite(path: directory.appendingPathComponent("store.sqlite").path)
        case .postgres:
            guard let url = Self.postgresURL, case .postgres(var location) = try StoreLocation.named(url) else {
                throw TestSetupError("CONNECT_TEST_POSTGRES_URL is not set: run scripts/test.sh, which starts a throwaway PostgreSQL, or point it at a server of yours")
            }
            let database = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
            let logger = Logger(label: "test-setup")
            let connection = try await PostgresConnection.connect(
                configuration: .init(host: location.host, port: location.port, username: location.username,
                                     password: location.password, database: location.database, tls: .disable),
                id: 1, logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(database)"), logger: logger)
            try await connection.close()
            location.database = String(database)
            return .postgres(location)
        }
    }

    /// A migrated, writable store in a fresh location.
    public func freshStore() async throws -> ConnectStore {
        try await ConnectStore.open(try await freshLocation())
    }
}

public struct TestSetupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension StoreLocation {
    /// The `--store` argument for this location, password included (test stores only), for
    /// the command-line tools under test, pg_dump and psql.
    public var argumentForTools: String {
        guard case .postgres(let postgres) = self else { return description }
        let password = postgres.password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? ""
        return "postgresql://\(postgres.username)\(password)@\(postgres.host):\(postgres.port)/\(postgres.database)"
    }
}
