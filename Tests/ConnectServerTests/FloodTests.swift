import AdminCore
import ConnectCore
import AsyncHTTPClient
import ConnectServerKit
import Foundation
import NIOHTTP1
import ConnectTestSupport
import Testing

/// A bounded burst of forged tokens while valid traffic flows: valid requests keep
/// succeeding, and every failure is accounted for in the store, as a row or in a count.
@Suite struct FloodTests {
    @Test func forgedFloodNeverBlocksValidTrafficAndEveryFailureIsCounted() async throws {
        // A tiny queue forces the aggregation path during the flood.
        let server = try await ServerHarness.start(location: try await TestStoreBackend.sqlite.freshLocation(), failureQueueCapacity: 50)
        defer { Task { await server.stop() } }
        let secret = "flood-test-secret-0123456789abcdefghijkl"
        try await server.install("jira:flood", secret: secret)
        let forged = 1500, valid = 300

        // At most 64 requests in flight: the client's pool has 8 connections, and a request's
        // 30 s deadline counts its wait for one (1 800 queued at once ran out of it in CI).
        let results = try await withThrowingTaskGroup(of: (Bool, Int).self) { group in
            var collected: [(Bool, Int)] = []
            for index in 0..<(forged + valid) {
                if index >= 64, let result = try await group.next() { collected.append(result) }
                let isValid = index % 6 == 0 && index / 6 < valid
                group.addTask {
                    let token = isValid
                        ? server.requestToken(clientKey: "jira:flood", secret: secret, method: "GET", path: "/pages/hello")
                        : server.requestToken(clientKey: "jira:flood", secret: "forged-secret-\(index % 7)-0123456789abcdefgh", method: "GET", path: "/pages/hello")
                    let response = try await server.send(.GET, "/pages/hello", token: token)
                    return (isValid, response.status)
                }
            }
            for try await result in group { collected.append(result) }
            return collected
        }
        let validResults = results.filter(\.0)
        let forgedResults = results.filter { !$0.0 }
        #expect(validResults.count == valid)
        #expect(validResults.allSatisfy { $0.1 == 200 }, "valid requests must keep succeeding")
        #expect(forgedResults.allSatisfy { $0.1 == 401 })

        await server.flushFailures()
        let stats = server.app.recorder.stats
        #expect(stats.received == forgedResults.count)
        #expect(stats.written == forgedResults.count)
        #expect(stats.dropped == 0)
        #expect(stats.aggregated > 0, "the flood overflowed the queue, so some failures were folded into counts")
        let rows = try await server.store.failures(FailureQuery(limit: 100_000))
        #expect(rows.reduce(0) { $0 + $1.count } == forgedResults.count, "every failure is a row or part of a count")
        #expect(rows.contains { $0.count > 1 })
        #expect(rows.allSatisfy { $0.reason == .badSignature })
    }
}
