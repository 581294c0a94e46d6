import AdminCore
import ConnectCore
import Foundation
import NIOConcurrencyHelpers

/// Tenant rows for request authentication, read through a short-lived cache so that a busy
/// app does not query the store on every request. Entries live `ttl` (1 s by default): an
/// install on another node is seen within that time; installs on this node replace the entry
/// at once. Keys are compared byte for byte (`BytewiseKey`): a forged canonical equivalent
/// of a clientKey has a slot of its own. During a flood of tokens naming unknown issuers,
/// `known` answers for the store (see `KnownTenants`), and the app's store behind a sidecar is
/// asked about at most `newKeysPerWindow` keys it has never found a tenant for.
public final class TenantDirectory: Sendable {
    private struct Entry {
        var tenant: Tenant?
        var loadedAt: ContinuousClock.Instant
    }

    private let store: any ConnectStoreReading
    /// The app's own store behind the sidecar (`--tenants-from`): asked when ours has no row,
    /// for tenants installed before the sidecar was put in front of the app.
    private let fallback: (any StoreReader)?
    private let ttl: Duration
    private let entries = NIOLockedValueBox([BytewiseKey: Entry]())
    private let maxEntries: Int
    /// Which clientKeys exist, consulted during a flood of unknown issuers.
    public let known: KnownTenants
    /// Asking the app's store about keys it has never found, per window: without a bound, every
    /// token naming a made-up issuer would cost the app's own database a read (a flood aimed at
    /// the sidecar would land on the app). Keys it has found a tenant for are always asked.
    private let appLookups = NIOLockedValueBox(AppLookups())
    private let newKeysPerWindow: Int
    private let appWindow: Duration

    private struct AppLookups {
        var found: Set<BytewiseKey> = []
        var windowStart = ContinuousClock.now
        var asked = 0
    }

    public init(store: any ConnectStoreReading, fallback: (any StoreReader)? = nil, ttl: Duration = .seconds(1), maxEntries: Int = 50_000,
                known: KnownTenants = KnownTenants(), newKeysPerWindow: Int = 50, appWindow: Duration = .seconds(1)) {
        self.store = store
        self.fallback = fallback
        self.newKeysPerWindow = newKeysPerWindow
        self.appWindow = appWindow
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
        if tenant == nil, let fallback, mayAskApp(clientKey, now: now) {
            tenant = try await fallback.tenant(clientKey: clientKey)
            if tenant != nil { appLookups.withLockedValue { _ = $0.found.insert(BytewiseKey(clientKey)) } }
        }
        remember(clientKey, tenant, at: now)
        return tenant
    }

    /// Whether the app's store may be asked for `clientKey`: always for a key it has found
    /// before, otherwise while this window's budget lasts. A key refused for want of budget is
    /// answered "no such tenant" (`unknown_issuer`), never let through.
    private func mayAskApp(_ clientKey: String, now: ContinuousClock.Instant) -> Bool {
        let key = BytewiseKey(clientKey)
        return appLookups.withLockedValue { lookups in
            if lookups.found.contains(key) { return true }
            if now - lookups.windowStart >= appWindow {
                lookups.windowStart = now
                lookups.asked = 0
            }
            guard lookups.asked < newKeysPerWindow else { return false }
            lookups.asked += 1
            return true
        }
    }

    /// Reads our store, bypassing the cache (lifecycle decisions must see the latest row).
    public func fresh(clientKey: String) async throws(StoreError) -> Tenant? {
        let tenant = try await store.tenant(clientKey: clientKey)
        remember(clientKey, tenant, at: .now)
        return tenant
    }

    /// The app's own row for a tenant our store has none of (`--tenants-from`), uncached and
    /// never skipped: a lifecycle decision must know whether the app has the tenant (hijack
    /// protection), whatever it costs.
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
