@testable import AdminCore
import Foundation
import Logging
import PostgresNIO
import Testing

/// The two store backends every store test runs against. PostgreSQL is the server that
/// `scripts/test.sh` starts (`CONNECT_TEST_POSTGRES_URL`); each test gets a database of its own.
enum StoreTestBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    static let postgresURL = ProcessInfo.processInfo.environment["CONNECT_TEST_POSTGRES_URL"]

    /// A new, empty location for one test.
    func freshLocation() async throws -> StoreLocation {
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            return .sqlite(path: directory.appendingPathComponent("store.sqlite").path)
        case .postgres:
            guard let url = Self.postgresURL, case .postgres(var location) = try StoreLocation.parse(url) else {
                throw StoreTestSetupError(message: "CONNECT_TEST_POSTGRES_URL is not set: run scripts/test.sh, which starts a throwaway PostgreSQL, or point it at a server of yours")
            }
            let database = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
            let configuration = PostgresConnection.Configuration(
                host: location.host, port: location.port, username: location.username, password: location.password,
                database: location.database, tls: .disable)
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Logger(label: "test"))
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(database)"), logger: Logger(label: "test"))
            try await connection.close()
            location.database = String(database)
            return .postgres(location)
        }
    }

    /// A migrated, writable store in a fresh location.
    func freshStore() async throws -> ConnectStore {
        try await ConnectStore.open(try await freshLocation(), mode: .readWrite)
    }
}

struct StoreTestSetupError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
