import Foundation
import ConnectCore

/// What the console and the read commands ask of a store, whichever framework wrote it: our
/// own (`ConnectStoreReader`, or the writer `ConnectStore`), or atlassian-connect-express's or Spring Boot's (`ForeignStoreReader`).
/// No view or command knows which it reads; they consult `capabilities` for what only ours keeps.
public protocol StoreReader: Sendable {
    var location: StoreLocation { get }
    var capabilities: StoreCapabilities { get }
    func tenants(_ query: TenantQuery) async throws(StoreError) -> TenantPage
    func tenant(clientKey: String) async throws(StoreError) -> Tenant?
    /// The tenant whose install payload carried this `oauthClientId` (an act-as-user
    /// assertion names a tenant by it), or `nil`. A diagnosis lookup: it may scan.
    func tenant(oauthClientId: String) async throws(StoreError) -> Tenant?
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

extension StoreReader {
    /// Walks every tenant, for stores with no better way to find one by `oauthClientId`.
    public func tenant(oauthClientId: String) async throws(StoreError) -> Tenant? {
        var query = TenantQuery(limit: 500)
        while true {
            let page = try await tenants(query)
            if let found = page.rows.first(where: { $0.tenant.oauthClientId.map { BytewiseKey.same($0, oauthClientId) } ?? false }) {
                return found.tenant
            }
            guard let next = page.next else { return nil }
            query.after = next
        }
    }
}

public enum StoreReaders {
    /// Opens the store at `location` for reading: ours (checked schema), or a foreign one
    /// (checked layout). Never creates or writes anything. `keyRing` opens sealed secrets in
    /// our stores (the others keep theirs in plain text).
    public static func open(_ location: StoreLocation, keyRing: SecretKeyRing = .none,
                            deadline: Duration = .seconds(5)) async throws(StoreError) -> any StoreReader {
        if case .foreign(let foreign) = location {
            if case .redis(let redis) = foreign.engine { return try await AceRedisReader.open(redis, location: location) }
            return try await ForeignStoreReader.open(foreign, location: location)
        }
        return try await ConnectStoreReader.open(location, keyRing: keyRing, deadline: deadline)
    }
}
