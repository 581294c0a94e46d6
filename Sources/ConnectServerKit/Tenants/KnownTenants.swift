import AdminCore
import ConnectCore
import Foundation
import Logging
import NIOConcurrencyHelpers

/// Which clientKeys the store holds, kept in memory by every node, so that a flood of tokens
/// naming issuers nobody installed does not cost a store read per request (measured by
/// `scripts/bench-cluster.sh`: 5 000 such issuers took valid traffic on three nodes down to
/// under half, and PostgreSQL's CPU up by a quarter of a core).
///
/// It is consulted only during such a flood: while lookups that find no tenant stay under
/// `floodThreshold` per `floodWindow`, every lookup still asks the store, so a tenant installed
/// on another node a moment ago is found at once. During a flood a key the index lacks is
/// answered "no such tenant" without the store; an install on another node reaches the index
/// with the next refresh (every second). The index holds 64-bit hashes (about 16 bytes a
/// tenant): a collision only means asking the store.
public final class KnownTenants: Sendable {
    private struct State {
        var hashes: Set<Int> = []
        /// Where the next refresh reads from; nil until the first full read is done.
        var position: TenantKeyPosition?
        var refreshedAt: ContinuousClock.Instant?
        var fullReadAt: ContinuousClock.Instant?
        var windowStart = ContinuousClock.now
        var missesInWindow = 0
    }

    private let state = NIOLockedValueBox(State())
    let floodThreshold: Int
    let floodWindow: Duration
    /// How long the index is trusted without a successful refresh.
    let maxAge: Duration

    public init(floodThreshold: Int = 50, floodWindow: Duration = .seconds(1), maxAge: Duration = .seconds(5)) {
        self.floodThreshold = floodThreshold
        self.floodWindow = floodWindow
        self.maxAge = maxAge
    }

    private static func hash(_ clientKey: String) -> Int { BytewiseKey(clientKey).hashValue }

    /// Whether the store need not be asked for `clientKey`: a flood of unknown issuers is under
    /// way, the index is fresh, and it does not hold the key.
    public func rulesOut(_ clientKey: String) -> Bool {
        let hash = Self.hash(clientKey)
        let now = ContinuousClock.now
        return state.withLockedValue { state in
            guard let refreshedAt = state.refreshedAt, now - refreshedAt <= maxAge else { return false }
            if now - state.windowStart > floodWindow { return false }
            return state.missesInWindow >= floodThreshold && !state.hashes.contains(hash)
        }
    }

    /// A store lookup found no tenant.
    public func noteMiss() {
        let now = ContinuousClock.now
        state.withLockedValue { state in
            if now - state.windowStart > floodWindow {
                state.windowStart = now
                state.missesInWindow = 0
            }
            state.missesInWindow += 1
        }
    }

    /// A tenant this node wrote or read: known at once, before the next refresh.
    public func insert(_ clientKey: String) {
        let hash = Self.hash(clientKey)
        state.withLockedValue { _ = $0.hashes.insert(hash) }
    }

    public var count: Int { state.withLockedValue { $0.hashes.count } }

    /// Reads what changed since the last refresh (with a minute's margin for rows committed
    /// late or stamped by a node whose clock lags), or everything when `full`: the first time,
    /// and every `fullEvery` after (which catches a row the minute's margin missed).
    public func refresh(from store: any ConnectStoreReading, full: Bool = false, pageSize: Int = 5000) async throws(StoreError) {
        let started = ContinuousClock.now
        var position = full ? nil : state.withLockedValue { $0.position }
        let incremental = position != nil
        var found: [Int] = []
        var newest = position?.updatedAt ?? Int64.min
        while true {
            let page = try await store.tenantKeys(after: position, limit: pageSize)
            found.append(contentsOf: page.map { Self.hash($0.clientKey) })
            if let last = page.last {
                position = last
                newest = max(newest, last.updatedAt)
            }
            if page.count < pageSize { break }
        }
        let next = TenantKeyPosition(updatedAt: newest == Int64.min ? Int64.min : newest - 60_000, clientKey: "")
        state.withLockedValue { state in
            // A union, never a replacement, so installs noted by `insert` meanwhile stay known.
            // (A deleted tenant stays in the index: that only costs a store read.)
            state.hashes.formUnion(found)
            if !incremental { state.fullReadAt = started }
            state.position = next
            state.refreshedAt = started
        }
    }

    /// Refreshes every `interval` until cancelled, and reads everything again every `fullEvery`.
    func run(store: any ConnectStoreReading, every interval: Duration = .seconds(1), fullEvery: Duration = .seconds(300), logger: Logger) async {
        var failing = false
        while !Task.isCancelled {
            let full = state.withLockedValue { state in state.fullReadAt.map { ContinuousClock.now - $0 >= fullEvery } ?? true }
            do {
                try await refresh(from: store, full: full)
                if failing { logger.info("known-tenants index refreshed again (\(count) tenants)") }
                failing = false
            } catch {
                // Lookups go to the store once the index is older than `maxAge`.
                if !failing { logger.warning("cannot refresh the known-tenants index: \(error.message)") }
                failing = true
            }
            try? await Task.sleep(for: interval)
        }
    }
}
