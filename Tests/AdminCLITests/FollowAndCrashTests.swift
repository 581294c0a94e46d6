import AdminCore
import ConnectCore
import ConnectTestSupport
import Foundation
import Testing

@Suite struct FollowAndCrashTests {
    /// `failures --follow` prints rows written after it started, within a second, and exits 0 on Ctrl-C.
    @Test func followStreamsNewFailuresAndExitsZeroOnInterrupt() async throws {
        let directory = try StoreCommandTests.seededDirectory(tenants: 5, failures: 3, events: 5)
        let location = StoreLocation.sqlite(path: directory.appendingPathComponent("connect.sqlite").path)
        let follower = try RunningCLI(["failures", "--follow", "--json", "--since", "0s"], directory: directory)
        defer { follower.process.terminate() }
        let writer = try await ConnectStore.open(location)
        // Give the follower a moment to take its cursor: rows written before would not be "new".
        try await Task.sleep(for: .milliseconds(300))
        let marker = "/follow-marker-\(UUID().uuidString)"
        let written = ContinuousClock.now
        try await writer.record([AuthFailure(at: Date(), node: "test", clientKey: "k", reason: .qshMismatch, detail: "d",
                                             method: "GET", path: marker)])
        let seen = await follower.waitForOutput { $0.contains(marker) }
        #expect(seen, "stdout: \(follower.stdout) stderr: \(follower.stderr)")
        #expect(ContinuousClock.now - written < .seconds(5))
        await writer.close()
        follower.signal(SIGINT)
        #expect(await follower.waitForExit() == 0)
        let lines = follower.stdout.split(separator: "\n")
        #expect(lines.count == 1, "only the new row: \(lines)")
    }

    /// Rows that arrive while following, batch after batch, line up with the header.
    @Test func followedRowsLineUpWithTheHeader() async throws {
        let directory = try StoreCommandTests.seededDirectory(tenants: 5, failures: 3, events: 5)
        let location = StoreLocation.sqlite(path: directory.appendingPathComponent("connect.sqlite").path)
        let follower = try RunningCLI(["failures", "--follow", "--limit", "3"], directory: directory)
        defer { follower.process.terminate() }
        // The header is printed after the cursor is taken: anything written now is new.
        #expect(await follower.waitForOutput { $0.contains("REASON") }, "\(follower.stderr)")
        let writer = try await ConnectStore.open(location)
        for (key, reason, path) in [("k", ReasonCode.expired, "/a"), ("a-much-longer-client-key-0123456789", .contextQSHNotAllowed, "/b/longer/path")] {
            try await writer.record([AuthFailure(at: Date(), node: "test", clientKey: key, reason: reason, detail: "d", method: "GET", path: path)])
            #expect(await follower.waitForOutput { $0.contains(path) })
        }
        await writer.close()
        follower.signal(SIGINT)
        _ = await follower.waitForExit()
        let lines = follower.stdout.split(separator: "\n").map(String.init)
        let header = try #require(lines.first { $0.hasPrefix("TIME") })
        let reasonColumn = try #require(header.range(of: "REASON")).lowerBound.utf16Offset(in: header)
        for (line, reason) in [(lines.first { $0.contains(" /a") }, "expired"), (lines.first { $0.contains("/b/longer/path") }, "context_qsh_not_allowed")] {
            let row = try #require(line)
            #expect(row.range(of: reason).map { $0.lowerBound.utf16Offset(in: row) } == reasonColumn, "\(lines.joined(separator: "\n"))")
        }
    }

    /// A writer killed with SIGKILL in the middle of many install decisions leaves every
    /// tenant with its event and no half-written row; the store reopens for writing.
    @Test func sigkilledWriterLeavesAConsistentStore() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let location = StoreLocation.sqlite(path: directory.appendingPathComponent("connect.sqlite").path)
        let writer = try RunningCLI(["dev", "write-installs", "--count", "1000000"], directory: directory)
        #expect(await writer.waitForOutput { $0.contains("writing") }, "\(writer.stderr)")
        // Let it get well into its stream of transactions, then kill it mid-flight.
        let reader = try await ConnectStoreReader.open(location)
        let deadline = ContinuousClock.now + .seconds(30)
        while try await reader.history(HistoryQuery(limit: 1)).first?.id ?? 0 < 400, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        writer.signal(SIGKILL)
        _ = await writer.waitForExit()
        await reader.close()

        let store = try await ConnectStore.open(location)  // reopening works, recovery included
        var events: [InstallEvent] = []
        var query = HistoryQuery(limit: 1000)
        while true {
            let page = try await store.history(query)
            events += page
            guard page.count == query.limit, let last = page.last else { break }
            query.beforeID = last.id
        }
        #expect(events.count >= 400)
        var tenants: [Tenant] = []
        var page = try await store.tenants(TenantQuery(limit: 500))
        tenants += page.rows.map(\.tenant)
        while let next = page.next {
            page = try await store.tenants(TenantQuery(limit: 500, after: next))
            tenants += page.rows.map(\.tenant)
        }
        // Each tenant's current secret is the one its newest event installed: tenant row and
        // event were written together or not at all.
        let newestByTenant = Dictionary(grouping: events, by: \.clientKey).mapValues { $0.max { $0.id < $1.id } }
        #expect(Set(tenants.map(\.clientKey)) == Set(newestByTenant.keys))
        for tenant in tenants {
            #expect(newestByTenant[tenant.clientKey]??.fingerprintAfter == tenant.secretFingerprint, "\(tenant.clientKey)")
            let secrets = try await store.secretHistory(clientKey: tenant.clientKey)
            #expect(secrets.filter(\.isCurrent).map(\.fingerprint) == [tenant.secretFingerprint])
        }
        try await store.record(StoreFixturesForCLI.install("after-crash"))
        #expect(try await store.tenant(clientKey: "after-crash") != nil)
        await store.close()
    }
}

enum StoreFixturesForCLI {
    static func install(_ key: String) -> InstallDecision {
        let secret = SharedSecret("after-crash-secret-0123456789abcdefgh")
        let tenant = Tenant(clientKey: key, addonKey: "a", baseUrl: "https://x.example", productType: "jira", secret: .open(secret),
                            state: .installed, installedAt: Date(), updatedAt: Date())
        return InstallDecision(event: InstallEvent(at: Date(), node: "t", clientKey: key, eventType: .installed, outcome: .accepted,
                                                   auth: "rs256:k", fingerprintAfter: secret.fingerprint), tenant: tenant)
    }
}
