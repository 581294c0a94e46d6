import AdminCore
import ConnectCore
import ConnectServerKit
import ConnectTestSupport
import CryptoExtras
import Foundation
import NIOHTTP1
import Testing

/// Floods of identical refusals grow the store by rows per distinct problem, not per
/// request; every request is still counted; the tenant's real history stays visible.
@Suite struct FloodFoldingTests {
    typealias H = ServerHarness
    static let secret = "flood-fold-secret-0123456789abcdefghijklm"

    static func concurrently(_ count: Int, width: Int = 32, _ body: @escaping @Sendable (Int) async throws -> Int) async throws -> [Int] {
        try await withThrowingTaskGroup(of: Int.self) { group in
            var statuses: [Int] = []
            var next = 0
            while next < min(width, count) { let index = next; group.addTask { try await body(index) }; next += 1 }
            for try await status in group {
                statuses.append(status)
                if next < count { let index = next; group.addTask { try await body(index) }; next += 1 }
            }
            return statuses
        }
    }

    @Test(arguments: TestStoreBackend.allCases)
    func rejectedCallbacksAreFoldedAndNeverHideTheInstall(_ backend: TestStoreBackend) async throws {
        // A window longer than any run: the folding under test, not how fast this machine is.
        let server = try await H.start(location: try await backend.freshLocation()) { $0.foldWindow = 3600 }
        let key = "jira:buried-\(UUID().uuidString.prefix(6))"
        try await server.install(key, secret: Self.secret)
        let attempts = backend == .sqlite ? 3000 : 1000
        let statuses = try await Self.concurrently(attempts) { _ in
            try await server.lifecycle(.installed, token: nil, body: H.payload(key, event: .installed, secret: "x" + Self.secret)).status
        }
        #expect(statuses.allSatisfy { $0 == 401 })
        await server.flushFailures()
        let rejected = try await server.store.history(HistoryQuery(clientKey: key, outcome: .rejected, limit: 10_000))
        #expect(rejected.reduce(0) { $0 + $1.count } == attempts, "every callback is accounted for")
        #expect(rejected.count <= 4, "folded into a few rows, not \(rejected.count)")
        let firstPage = try await server.store.tenantHistory(clientKey: key, limit: 1)
        #expect(firstPage.contains { $0.outcome == .accepted && $0.eventType == .installed }, "the install stays on the first page")

        // Retention prunes rejected events, never accepted ones.
        let pruned = try await server.store.pruneRejectedEvents(olderThan: Date().addingTimeInterval(60))
        #expect(pruned == rejected.count)
        let left = try await server.store.history(HistoryQuery(clientKey: key))
        #expect(left.map(\.outcome) == [.accepted])
        await server.stop()
    }

    @Test func forgedTokenFloodBecomesAFewRowsWithCounts() async throws {
        let server = try await H.start(location: try await TestStoreBackend.sqlite.freshLocation()) { $0.foldWindow = 3600 }
        try await server.install("jira:forged-flood", secret: Self.secret)
        let rows = try await Self.refusedFlood(server, 5000) { index in
            ("/pages/hello?n=\(index)", server.requestToken(clientKey: "jira:forged-flood", secret: "forged-\(index)-0123456789abcdefghijklmnopq",
                                                         method: "GET", path: "/pages/hello"))
        }
        #expect(rows.count <= 6, "the same problem from the same source is folded: \(rows.count) rows")
        #expect(server.app.recorder.stats.dropped == 0)
        await server.stop()
    }

    /// `count` GETs of `request(index)`'s path with its token, all refused; the failure rows they
    /// left once the recorders flushed, whose counts add up to `count`.
    static func refusedFlood(_ server: H, _ count: Int, _ request: @escaping @Sendable (Int) -> (path: String, token: String)) async throws -> [AuthFailure] {
        let statuses = try await concurrently(count) { index in
            let (path, token) = request(index)
            return try await server.send(.GET, path, token: token).status
        }
        #expect(statuses.allSatisfy { $0 == 401 })
        await server.flushFailures()
        let rows = try await server.store.failures(FailureQuery(limit: 100_000))
        #expect(rows.reduce(0) { $0 + $1.count } == count, "every failure is a row or part of a count")
        return rows
    }

    /// A flood of distinct issuers (a clientKey each, so no two fold): beyond the kinds a window
    /// keeps apart, one overflow row per reason carries the rest as a count. The store grows by
    /// about `foldKinds` rows a window, not by one row per issuer (F6: 2 000 kinds a window
    /// wrote ~200 rows a second under a sustained flood).
    @Test func aFloodOfDistinctIssuersIsBoundedByTheFoldKinds() async throws {
        let server = try await H.start(location: try await TestStoreBackend.sqlite.freshLocation()) { $0.foldWindow = 3600; $0.foldKinds = 50 }
        let issuers = 2000
        let rows = try await Self.refusedFlood(server, issuers) { index in
            ("/pages/hello", server.requestToken(clientKey: "jira:nobody-\(index)", secret: "forged-0123456789abcdefghijklmnopqrstuv",
                                                 method: "GET", path: "/pages/hello"))
        }
        #expect(rows.count <= 2 * 50 + 2, "\(rows.count) rows for \(issuers) issuers")
        let overflow = rows.filter { $0.path == "(aggregated)" }
        #expect(!overflow.isEmpty && overflow.allSatisfy { $0.reason == .unknownIssuer && $0.clientKey == nil })
        #expect(overflow.reduce(0) { $0 + $1.count } >= issuers - 2 * 50, "the rest is in the overflow row's count")
        await server.stop()
    }

    /// Install keys: one fetch in flight per kid, 404s remembered, unknown kids capped.
    @Test func installKeyFetchesAreBounded() async throws {
        let server = try await H.start(location: try await TestStoreBackend.sqlite.freshLocation()) {
            $0.installKeyFetchesPerMinute = 20
            $0.foldWindow = 0
        }
        try await server.install("jira:genuine", secret: Self.secret)  // the host's kid, fetched and cached
        let attacker = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let same = try await Self.concurrently(40, width: 40) { index in
            let key = "jira:kid-\(index)"
            return try await server.lifecycle(.installed, token: try server.installToken(clientKey: key, key: attacker, kid: "ghost-kid"),
                                              body: H.payload(key, event: .installed, secret: Self.secret)).status
        }
        #expect(same.allSatisfy { $0 == 401 })
        #expect(await server.keyRequests.entries == ["host-key-1", "ghost-kid"], "one fetch for one kid, however many callbacks wait on it")
        _ = try await server.lifecycle(.installed, token: try server.installToken(clientKey: "jira:again", key: attacker, kid: "ghost-kid"),
                                       body: H.payload("jira:again", event: .installed, secret: Self.secret))
        #expect(await server.keyRequests.entries.count == 2, "a kid that 404ed is not asked for again")

        let random = try await Self.concurrently(300) { index in
            let key = "jira:random-\(index)"
            let result = try await server.lifecycle(.installed, token: try server.installToken(clientKey: key, key: attacker, kid: "kid-\(UUID().uuidString)"),
                                                    body: H.payload(key, event: .installed, secret: Self.secret))
            return result.body.contains("install_key_unavailable") ? result.status : -1
        }
        #expect(random.allSatisfy { $0 == 401 }, "refused as install_key_unavailable")
        #expect(await server.keyRequests.entries.count <= 20, "at most the cap of unknown kids per minute reached the keys service")
        // The genuine host key, cached, still works during the attack.
        try await server.install("jira:genuine-2", secret: Self.secret)
        await server.stop()
    }

    /// A forged `iss` that is a canonical equivalent of a real clientKey (KELVIN SIGN for
    /// `K`) is a different tenant: it never shares the real one's cache slot or failures.
    @Test func canonicallyEquivalentClientKeysAreDifferentTenants() async throws {
        let server = try await H.start(location: try await TestStoreBackend.sqlite.freshLocation())
        let real = "jira:K-tenant", twin = "jira:\u{212A}-tenant"
        #expect(real == twin, "Swift's String equality calls them equal: the reason for byte comparison")
        try await server.install(real, secret: Self.secret)
        for _ in 0..<10 {
            let forged = try await server.send(.GET, "/pages/hello", token: server.requestToken(clientKey: twin, secret: "forged-0123456789abcdefghijklmnopqrstuvw",
                                                                                                method: "GET", path: "/pages/hello"))
            #expect(forged.status == 401)
            #expect(forged.body.contains("unknown_issuer"))
            let genuine = try await server.send(.GET, "/pages/hello", token: server.requestToken(clientKey: real, secret: Self.secret,
                                                                                                 method: "GET", path: "/pages/hello"))
            #expect(genuine.status == 200, "the real tenant is never locked out by its twin")
        }
        await server.flushFailures()
        #expect(try await server.store.failures(FailureQuery(clientKey: real)).isEmpty)
        #expect(try await server.store.failures(FailureQuery(clientKey: twin)).reduce(0) { $0 + $1.count } == 10)
        await server.stop()
    }
}
