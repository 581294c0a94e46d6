import AdminCore
import Foundation
import NIOConcurrencyHelpers

/// Tenant rows for request authentication, read through a short-lived cache so that a busy
/// app does not query the store on every request. Entries live `ttl` (1 s by default): an
/// install on another node is seen within that time; installs on this node replace the entry
/// at once. Keys are compared byte for byte (`BytewiseKey`): a forged canonical equivalent
/// of a clientKey has a slot of its own. During a flood of tokens naming unknown issuers,
/// `known` answers for the store (see `KnownTenants`).
public final class TenantDirectory: Sendable {
    private struct Entry {
        var tenant: Tenant?
        var loadedAt: ContinuousClock.Instant
    }

    private let store: ConnectStore
    /// The app's own store behind the sidecar (`--tenants-from`): asked when ours has no row,
    /// for tenants installed before the sidecar was put in front of the app.
    private let fallback: (any StoreReader)?
    private let ttl: Duration
    private let entries = NIOLockedValueBox([BytewiseKey: Entry]())
    private let maxEntries: Int
    /// Which clientKeys exist, consulted during a flood of unknown issuers.
    public let known: KnownTenants

    public init(store: ConnectStore, fallback: (any StoreReader)? = nil, ttl: Duration = .seconds(1), maxEntries: Int = 50_000,
                known: KnownTenants = KnownTenants()) {
        self.store = store
        self.fallback = fallback
        self.ttl = ttl
        self.maxEntries = maxEntries
        self.known = known
    }

    public func tenant(clientKey: String, health: StoreHealth? = nil) async throws(StoreError) -> Tenant? {
        let now = ContinuousClock.now
        if let entry = entries.withLockedValue({ $0[BytewiseKey(clientKey)] }), now - entry.loadedAt < ttl { return entry.tenant }
        var tenant: Tenant?
        if !known.rulesOut(clientKey) {
            if let health {
                tenant = try await health.observe { () throws(StoreError) in try await store.tenant(clientKey: clientKey) }
            } else {
                tenant = try await store.tenant(clientKey: clientKey)
            }
            if tenant == nil { known.noteMiss() }
        }
        if tenant == nil, let fallback { tenant = try await fallback.tenant(clientKey: clientKey) }
        remember(clientKey, tenant, at: now)
        return tenant
    }

    /// Reads our store, bypassing the cache (lifecycle decisions must see the latest row).
    public func fresh(clientKey: String) async throws(StoreError) -> Tenant? {
        let tenant = try await store.tenant(clientKey: clientKey)
        remember(clientKey, tenant, at: .now)
        return tenant
    }

    /// The app's own row for a tenant our store has none of (`--tenants-from`), uncached.
    public func fromApp(clientKey: String) async throws(StoreError) -> Tenant? {
        try await fallback?.tenant(clientKey: clientKey)
    }

    public func remember(_ clientKey: String, _ tenant: Tenant?, at instant: ContinuousClock.Instant = .now) {
        if tenant != nil { known.insert(clientKey) }
        entries.withLockedValue { entries in
            if entries.count >= maxEntries { entries.removeAll(keepingCapacity: true) }
            entries[BytewiseKey(clientKey)] = Entry(tenant: tenant, loadedAt: instant)
        }
    }
}
