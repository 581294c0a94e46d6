import AdminCore
import Foundation
import Testing

/// Every entry point reads a store URL the same way: a PostgreSQL URL without a password takes
/// it from PGPASSWORD or the password file, whether it is our store or an app's.
@Suite struct StoreLocationTests {
    static func password(_ location: StoreLocation) -> String? {
        switch location {
        case .postgres(let postgres): postgres.password
        case .foreign(let foreign): if case .postgres(let postgres) = foreign.engine { postgres.password } else { nil }
        case .sqlite: nil
        }
    }

    @Test func aPasswordComesFromTheEnvironmentForEveryKindOfPostgresURL() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pgpass-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let passfile = directory.appendingPathComponent("pgpass").path
        try Data("db.internal:5432:*:reader:from-the-file\n".utf8).write(to: URL(fileURLWithPath: passfile))
        chmod(passfile, 0o600)
        for url in ["postgres://reader@db.internal:5432/connect", "ace+postgres://reader@db.internal:5432/app",
                    "acsb+postgres://reader@db.internal:5432/app"] {
            #expect(Self.password(try StoreLocation.named(url, environment: ["PGPASSWORD": "from-env"])) == "from-env", "\(url)")
            #expect(Self.password(try StoreLocation.named(url, environment: ["PGPASSFILE": passfile])) == "from-the-file", "\(url)")
        }
        // A password in the URL wins.
        #expect(Self.password(try StoreLocation.named("postgres://reader:in-url@db.internal:5432/connect", environment: ["PGPASSWORD": "x"])) == "in-url")
        // --store's default and CONNECT_STORE go through the same reading.
        #expect(Self.password(try StoreLocation.resolve(argument: nil, environment: ["CONNECT_STORE": "postgres://reader@db.internal:5432/connect",
                                                                                   "PGPASSWORD": "from-env"])) == "from-env")
    }
}
