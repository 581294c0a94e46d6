import Foundation

/// What the console and the read commands ask of a store, whichever framework wrote it: our
/// own (`ConnectStore`), or atlassian-connect-express's or Spring Boot's (`ForeignStoreReader`).
/// No view or command knows which it reads; they consult `capabilities` for what only ours keeps.
public protocol StoreReader: Sendable {
    var location: StoreLocation { get }
    var capabilities: StoreCapabilities { get }
    func tenants(_ query: TenantQuery) async throws(StoreError) -> TenantPage
    func tenant(clientKey: String) async throws(StoreError) -> Tenant?
    func tenantCount() async throws(StoreError) -> Int
    /// The tenant's secrets, current last; a store without history gives the current one only.
    func secretHistory(clientKey: String) async throws(StoreError) -> [SecretHistoryEntry]
    func close() async
}

/// What a store can answer beyond its tenants.
public struct StoreCapabilities: Sendable, Equatable {
    /// Install history (every lifecycle callback and its decision).
    public var history: Bool
    /// Authentication failures.
    public var failures: Bool
    /// Sorting tenants by any column (else they come in the store's own order).
    public var sorting: Bool
    /// Why the missing parts are missing and how to get them, in one sentence.
    public var missing: String

    public static let all = StoreCapabilities(history: true, failures: true, sorting: true, missing: "")

    public init(history: Bool, failures: Bool, sorting: Bool, missing: String) {
        self.history = history
        self.failures = failures
        self.sorting = sorting
        self.missing = missing
    }
}

public enum StoreReaders {
    /// Opens the store at `location` for reading: ours (checked schema), or a foreign one
    /// (checked layout). Never creates or writes anything.
    public static func open(_ location: StoreLocation, deadline: Duration = .seconds(5)) async throws(StoreError) -> any StoreReader {
        if case .foreign(let foreign) = location {
            if case .redis(let redis) = foreign.engine { return try await AceRedisReader.open(redis, location: location) }
            return try await ForeignStoreReader.open(foreign, location: location)
        }
        return try await ConnectStore.open(location, mode: .readOnly, deadline: deadline)
    }
}

extension ConnectStore: StoreReader {
    public var capabilities: StoreCapabilities { .all }
}
