import AdminCore
import ConnectCore
import ConnectServerKit
import ConnectTestSupport
import Foundation
import NIOConcurrencyHelpers
import Testing

/// Behind a sidecar, the app's own store (`--tenants-from`) answers for tenants ours has no row
/// of. Tokens naming made-up issuers must not cost that store a read each: per window it is
/// asked about a bounded number of keys it has never found, while a tenant it has found keeps
/// being read, flood or not.
@Suite struct AppStoreLookupTests {
    /// The app's store (a real one), counting the tenant lookups that reach it.
    final class CountingReader: StoreReader {
        let base: ConnectStore
        let lookups = NIOLockedValueBox(0)

        init(base: ConnectStore) { self.base = base }

        var location: StoreLocation { base.location }
        var capabilities: StoreCapabilities { base.capabilities }
        func tenants(_ query: TenantQuery) async throws(StoreError) -> TenantPage { try await base.tenants(query) }
        func tenant(clientKey: String) async throws(StoreError) -> Tenant? {
            lookups.withLockedValue { $0 += 1 }
            return try await base.tenant(clientKey: clientKey)
        }
        func tenant(oauthClientId: String) async throws(StoreError) -> Tenant? { try await base.tenant(oauthClientId: oauthClientId) }
        func tenantCount() async throws(StoreError) -> Int { try await base.tenantCount() }
        func secretHistory(clientKey: String) async throws(StoreError) -> [SecretHistoryEntry] { try await base.secretHistory(clientKey: clientKey) }
        func close() async { await base.close() }
    }

    @Test func aFloodOfMadeUpIssuersAsksTheAppsStoreABoundedNumberOfTimes() async throws {
        let ours = try await TestStoreBackend.sqlite.freshStore()
        let theirs = try await TestStoreBackend.sqlite.freshStore()
        try await theirs.importRows(tenants: [KnownTenantsTests.tenant("jira:app-only-1"), KnownTenantsTests.tenant("jira:app-only-2")],
                                    secrets: [], events: [])
        let app = CountingReader(base: theirs)
        // No cache, and a window far longer than the test: every lookup below is decided here.
        let directory = TenantDirectory(store: ours, fallback: app, ttl: .zero, newKeysPerWindow: 10, appWindow: .seconds(600))

        // A tenant only the app has is found there (one of the ten new keys of the window).
        #expect(try await directory.tenant(clientKey: "jira:app-only-1")?.clientKey == "jira:app-only-1")
        #expect(app.lookups.withLockedValue { $0 } == 1)
        // Made-up issuers: nine more new keys are asked about, then none.
        for index in 0..<100 {
            #expect(try await directory.tenant(clientKey: "jira:forged-\(index)") == nil)
        }
        #expect(app.lookups.withLockedValue { $0 } == 10)
        // The tenant found before is still read from the app's store, every time.
        for _ in 0..<3 {
            #expect(try await directory.tenant(clientKey: "jira:app-only-1")?.clientKey == "jira:app-only-1")
        }
        #expect(app.lookups.withLockedValue { $0 } == 13)
        // A tenant the app has but was never asked about waits for the next window: until then
        // it is "no such tenant" (refused as unknown_issuer), never let through.
        #expect(try await directory.tenant(clientKey: "jira:app-only-2") == nil)
        #expect(app.lookups.withLockedValue { $0 } == 13)
        // A lifecycle decision always asks the app: it must know whether the tenant exists there.
        #expect(try await directory.fromApp(clientKey: "jira:app-only-2")?.clientKey == "jira:app-only-2")
        #expect(app.lookups.withLockedValue { $0 } == 14)
        await ours.close()
        await theirs.close()
    }

    @Test func aNewWindowAsksAgain() async throws {
        let ours = try await TestStoreBackend.sqlite.freshStore()
        let theirs = try await TestStoreBackend.sqlite.freshStore()
        try await theirs.importRows(tenants: [KnownTenantsTests.tenant("jira:app-only-1")], secrets: [], events: [])
        let app = CountingReader(base: theirs)
        // A window of zero: every lookup starts a new one, so nothing is ever skipped.
        let directory = TenantDirectory(store: ours, fallback: app, ttl: .zero, newKeysPerWindow: 1, appWindow: .zero)
        for index in 0..<5 {
            #expect(try await directory.tenant(clientKey: "jira:forged-\(index)") == nil)
        }
        #expect(try await directory.tenant(clientKey: "jira:app-only-1")?.clientKey == "jira:app-only-1")
        #expect(app.lookups.withLockedValue { $0 } == 6)
        await ours.close()
        await theirs.close()
    }
}
