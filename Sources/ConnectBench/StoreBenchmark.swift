import AdminCore
import ConnectCore
import ArgumentParser
import Foundation

/// The console's reads on a big store: first tenants page, filtered and sorted pages, a tail
/// poll. Generate the store first with `connect-admin dev seed`.
struct StoreBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "store", abstract: "Console read latency on a store.")

    @Option(help: "The store to read (read-only).")
    var store: String

    @Option(help: "Runs of each query; the median is reported.")
    var runs = 25

    func run() async throws {
        let location = try StoreLocation.named(store)
        let openStart = ContinuousClock.now
        let store = try await ConnectStoreReader.open(location)
        let openTime = ContinuousClock.now - openStart
        let summary = try await store.summary()
        print("store: \(location) — \(summary.tenants) tenants, \(summary.installEvents) install events, \(summary.authFailures) failures")
        print("open + schema check: \(Self.milliseconds(openTime)) ms")
        let lastID = summary.lastFailureID
        let tailFrom = max(0, lastID - 50)

        let cases: [(String, TenantQuery?, FailureQuery?)] = [
            ("first tenants page (50, with 1h failure counts)", TenantQuery(limit: 50), nil),
            ("filtered tenants page ('acme')", TenantQuery(filter: "acme", limit: 50), nil),
            ("filtered tenants page, rare match ('wonka-9999')", TenantQuery(filter: "wonka-9999", limit: 50), nil),
            ("sorted tenants page (updatedAt desc)", TenantQuery(sort: .updatedAt, descending: true, limit: 50), nil),
            ("sorted tenants page (baseUrl)", TenantQuery(sort: .baseUrl, limit: 50), nil),
            ("failures page (newest 100)", nil, FailureQuery(limit: 100)),
            ("failures page, one reason (qsh_mismatch)", nil, FailureQuery(reason: .qshMismatch, limit: 100)),
            ("tail poll (50 new rows)", nil, .tail(after: tailFrom)),
            ("tail poll (nothing new)", nil, .tail(after: lastID)),
        ]
        for (name, tenantQuery, failureQuery) in cases {
            var samples: [Duration] = []
            for _ in 0..<runs {
                let start = ContinuousClock.now
                if let tenantQuery { _ = try await store.tenants(tenantQuery) }
                if let failureQuery { _ = try await store.failures(failureQuery) }
                samples.append(ContinuousClock.now - start)
            }
            samples.sort()
            print(name.padding(toLength: 52, withPad: " ", startingAt: 0)
                  + "median \(Self.milliseconds(samples[samples.count / 2])) ms   max \(Self.milliseconds(samples[samples.count - 1])) ms")
        }
        await store.close()
    }

    static func milliseconds(_ duration: Duration) -> String {
        JWTBenchmark.rounded(duration.milliseconds, places: 2)
    }
}
