import AdminCore
import ConnectCore
import ConnectServerKit
import ConnectTestSupport
import Foundation
import Logging
import Testing

/// The known-tenants index on a real store: outside a flood of unknown issuers every lookup
/// asks the store; during one, keys the index lacks are answered without it, and a tenant
/// another node installs is found once the index is refreshed.
@Suite struct KnownTenantsTests {
    static func tenant(_ clientKey: String) -> Tenant {
        Tenant(clientKey: clientKey, addonKey: "known-tenants-test", baseUrl: "https://\(clientKey).example", productType: "jira",
               secret: .open(SharedSecret("known-tenants-secret-0123456789abcdefgh")), state: .installed, installedAt: Date(), updatedAt: Date())
    }

    /// Store reads made on the request path so far, from the metrics the server exposes.
    static func storeReads(_ metrics: ServerMetrics) -> Int {
        metrics.exposition().split(separator: "\n")
            .first { $0.hasPrefix("connect_store_operation_duration_seconds_count") }
            .flatMap { $0.split(separator: " ").last.flatMap { Int($0) } } ?? 0
    }

    @Test(arguments: TestStoreBackend.allCases)
    func aFloodOfUnknownIssuersStopsCostingStoreReads(_ backend: TestStoreBackend) async throws {
        let store = try await backend.freshStore()
        try await store.importRows(tenants: [Self.tenant("jira:known-1")], secrets: [], events: [])
        let metrics = ServerMetrics()
        let health = StoreHealth(logger: Logger(label: "test"), metrics: metrics)
        // A window far longer than the test, so that the flood cannot end halfway through it.
        let known = KnownTenants(floodThreshold: 5, floodWindow: .seconds(600))
        // No cache (ttl zero): every lookup below reaches the index or the store.
        let directory = TenantDirectory(store: store, ttl: .zero, known: known)
        try await known.refresh(from: store, full: true)
        #expect(known.count == 1)

        // Below the threshold, unknown issuers are looked up in the store, one read each.
        for index in 0..<5 {
            #expect(try await directory.tenant(clientKey: "jira:forged-\(index)", health: health) == nil)
        }
        #expect(Self.storeReads(metrics) == 5)
        // Then the flood is answered from the index: no further reads for unknown issuers...
        for index in 5..<50 {
            #expect(try await directory.tenant(clientKey: "jira:forged-\(index)", health: health) == nil)
        }
        #expect(Self.storeReads(metrics) == 5)
        // ...while a tenant the index holds is still read from the store.
        #expect(try await directory.tenant(clientKey: "jira:known-1", health: health)?.clientKey == "jira:known-1")
        #expect(Self.storeReads(metrics) == 6)

        // Another node installs a tenant: unknown here until the index is refreshed, then found.
        try await store.importRows(tenants: [Self.tenant("jira:known-2")], secrets: [], events: [])
        #expect(try await directory.tenant(clientKey: "jira:known-2", health: health) == nil)
        try await known.refresh(from: store)
        #expect(known.count == 2)
        #expect(try await directory.tenant(clientKey: "jira:known-2", health: health)?.clientKey == "jira:known-2")
        // A tenant this node writes is known at once.
        directory.remember("jira:known-3", Self.tenant("jira:known-3"))
        #expect(!known.rulesOut("jira:known-3"))
        #expect(known.rulesOut("jira:forged-x"))
        await store.close()
    }

    @Test func anIndexNeverReadOrTooOldRulesNothingOut() async throws {
        let known = KnownTenants(floodThreshold: 1, floodWindow: .seconds(600), maxAge: .zero)
        known.noteMiss()
        known.noteMiss()
        // Never refreshed: the store must be asked.
        #expect(!known.rulesOut("jira:anything"))
        let store = try await TestStoreBackend.sqlite.freshStore()
        try await known.refresh(from: store, full: true)
        // Refreshed, but older than maxAge (zero) by the time it is asked.
        #expect(!known.rulesOut("jira:anything"))
        await store.close()
    }
}
