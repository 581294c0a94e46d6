@testable import AdminTUI
import AdminCore
import ConnectCore
import Foundation
import Testing

/// The order in which the console asks a big store for things, on a real SQLite store: the first
/// tenants page before the header's counts, and the tenant count not redone on every refresh.
@Suite struct ConsoleDataSourceTests {
    /// A store holding `count` of the fixture tenants.
    static func store(tenants count: Int) async throws -> (StoreLocation, ConnectStore) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("console-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let location = StoreLocation.sqlite(path: directory.appendingPathComponent("store.sqlite").path)
        let store = try await ConnectStore.open(location)
        try await store.importRows(tenants: (0..<count).map { ConsoleFixtures.tenant($0) }, secrets: [], events: [])
        return (location, store)
    }

    static func tenantCount(_ answer: Answer) -> Int? {
        guard case .header(let count, _, _, _) = answer else { return nil }
        return count
    }

    static func rate(_ answer: Answer) -> FailureRate? {
        guard case .header(_, let rate, _, _) = answer else { return nil }
        return rate
    }

    struct Timeout: Error, CustomStringConvertible {
        var description: String
    }

    /// Waits (up to a minute) until `condition` holds: a state, not a time.
    static func eventually(_ what: String, _ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while await !condition() {
            guard ContinuousClock.now < deadline else { throw Timeout(description: "waited a minute for \(what)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test func theFirstHeaderReadWaitsForTheFirstTenantsPage() async throws {
        let (location, store) = try await Self.store(tenants: 3)
        defer { Task { await store.close() } }
        // A wait far longer than the test: only the tenants page can end it.
        let source = ConsoleDataSource(location: location, keyRing: .none, tenantsWait: .seconds(600))
        let now = ConsoleFixtures.now
        let header = Task { await source.perform(.header, now: now) }
        try await Self.eventually("the header read to wait for the first tenants page") { await source.headerReadsWaiting == 1 }

        guard case .tenants(let page, _) = await source.perform(.tenants(TenantQuery(), append: false), now: now) else {
            Issue.record("the tenants read failed"); return
        }
        #expect(page.rows.count == 3)
        #expect(Self.tenantCount(await header.value) == 3)
        #expect(await source.headerReadsWaiting == 0)
        // Once the first page is in, the header no longer waits.
        #expect(Self.tenantCount(await source.perform(.header, now: now)) == 3)
        await source.close()
    }

    /// Without its deadline the reads would wait forever: the time limit turns that into a failure.
    @Test(.timeLimit(.minutes(1))) func withoutATenantsPageTheHeaderWaitsOnlyItsDeadline() async throws {
        let (location, store) = try await Self.store(tenants: 2)
        defer { Task { await store.close() } }
        let source = ConsoleDataSource(location: location, keyRing: .none, tenantsWait: .milliseconds(50))
        async let first = source.perform(.header, now: ConsoleFixtures.now)
        async let second = source.perform(.header, now: ConsoleFixtures.now)
        let counts = await [Self.tenantCount(first), Self.tenantCount(second)]
        #expect(counts == [2, 2])
        #expect(await source.headerReadsWaiting == 0)
        await source.close()
    }

    @Test func theTenantCountIsReusedForAWhileThenRecounted() async throws {
        let (location, store) = try await Self.store(tenants: 4)
        defer { Task { await store.close() } }
        let now = ConsoleFixtures.now
        // Kept a million times as long as the count took: still the old count after a new tenant.
        let reusing = ConsoleDataSource(location: location, keyRing: .none, countReuse: 1_000_000, tenantsWait: .zero)
        #expect(Self.tenantCount(await reusing.perform(.header, now: now)) == 4)
        try await store.importRows(tenants: [ConsoleFixtures.tenant(100)], secrets: [], events: [])
        #expect(Self.tenantCount(await reusing.perform(.header, now: now)) == 4)
        // Reopening the store (after a failure, say) counts again.
        await reusing.close()
        #expect(Self.tenantCount(await reusing.perform(.header, now: now)) == 5)
        await reusing.close()

        // Not kept at all: every header read counts.
        let counting = ConsoleDataSource(location: location, keyRing: .none, countReuse: 0, tenantsWait: .zero)
        #expect(Self.tenantCount(await counting.perform(.header, now: now)) == 5)
        try await store.importRows(tenants: [ConsoleFixtures.tenant(101)], secrets: [], events: [])
        #expect(Self.tenantCount(await counting.perform(.header, now: now)) == 6)
        await counting.close()
    }

    /// The header's rate counts the last 60 seconds, folded floods by their count: right after
    /// failures start it is not 0 for the rest of the clock minute.
    @Test func theRateIsTheLastSixtySecondsNotTheLastClockMinute() async throws {
        let (location, store) = try await Self.store(tenants: 1)
        defer { Task { await store.close() } }
        let now = ConsoleFixtures.now  // 11:06:40, 40 s into its minute
        let written: [(secondsAgo: Double, count: Int)] = [(5, 3), (50, 4), (70, 2), (120, 1)]
        try await store.record(written.enumerated().map { index, row in
            var failure = ConsoleFixtures.failures[index]
            failure.at = now.addingTimeInterval(-row.secondsAgo)
            failure.count = row.count
            return failure
        })
        let source = ConsoleDataSource(location: location, keyRing: .none, tenantsWait: .zero)
        let rate = try #require(Self.rate(await source.perform(.header, now: now)))
        #expect(rate.lastSixtySeconds == 7)  // 3 at 11:06:35 and 4 at 11:05:50; not 11:05:30's 2
        #expect(rate.label == "7 fail/min (last 60 s)")
        #expect(rate.perMinute.suffix(3) == [1, 6, 3])  // 11:04, 11:05, 11:06 (still counting)
        await source.close()
    }
}
