import ConnectCore
import Foundation

/// A ConnectAdmin store opened to read: it never creates, migrates or writes, and has no method
/// that could (the console, the read commands, the benchmarks that only read). On SQLite the
/// file is opened read-only; on PostgreSQL every transaction of the session is read-only.
public final class ConnectStoreReader: ConnectStoreReading {
    public let location: StoreLocation
    public let keyRing: SecretKeyRing
    public let reads: StoreReads

    private init(location: StoreLocation, database: any SQLReading, keyRing: SecretKeyRing, deadline: Duration) {
        self.location = location
        self.keyRing = keyRing
        self.reads = StoreReads(database: database, deadline: StoreDeadline(limit: deadline))
    }

    /// Opens the store at `location` and checks that this build understands its schema, or
    /// fails with a sentence saying what to do. `deadline` bounds every later operation.
    public static func open(_ location: StoreLocation, keyRing: SecretKeyRing = .none,
                            deadline: Duration = .seconds(5)) async throws(StoreError) -> ConnectStoreReader {
        let database: any SQLReading
        switch location {
        case .sqlite(let path):
            database = try SQLiteReader(path: path)
        case .postgres(let postgres):
            database = try await PostgresDatabase.connect(postgres, readOnly: true)
        case .foreign(let foreign):
            throw StoreError(.usage, "\(location) is an \(foreign.layout.framework) store: open it with StoreReader.open")
        }
        let store = ConnectStoreReader(location: location, database: database, keyRing: keyRing, deadline: deadline)
        do {
            try await store.checkSchema()
        } catch {
            await database.close()
            throw error
        }
        return store
    }
}
