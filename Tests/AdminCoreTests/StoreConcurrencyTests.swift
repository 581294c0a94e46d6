@testable import AdminCore
@testable import ConnectCore
import Foundation
import ConnectTestSupport
import Testing

/// A writer inserting failures at full speed while a reader pages and tails: neither side
/// errors, and the tail sees every row exactly once, in order.
@Suite struct StoreConcurrencyTests {
    @Test(arguments: TestStoreBackend.allCases)
    func writerAndTailingReaderRunTogether(_ backend: TestStoreBackend) async throws {
        let location = try await backend.freshLocation()
        let writer = try await ConnectStore.open(location)
        // The reader is a separate connection, read-only, as the console is.
        let reader = try await ConnectStoreReader.open(location)
        try await writer.importRows(tenants: (0..<20).map { StoreFixtures.tenant("t\($0)") }, secrets: [], events: [])
        let batches = 150, writersPerRound = 4, perWriter = 5
        let finished = Flag()

        // Several concurrent writers per round: on PostgreSQL, ids are handed out before
        // commit, so without serialised inserts a late commit would slip behind the cursor.
        let writerTask = Task {
            defer { Task { await finished.set() } }
            var total = 0
            for batch in 0..<batches {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for lane in 0..<writersPerRound {
                        group.addTask {
                            try await writer.record((0..<perWriter).map {
                                StoreFixtures.failure("t\(($0 + batch + lane) % 20)", at: Date())
                            })
                        }
                    }
                    try await group.waitForAll()
                }
                total += writersPerRound * perWriter
            }
            return total
        }

        var tailed: [Int64] = []
        var cursor: Int64 = 0
        var pagesRead = 0
        while await !finished.value {
            let batch = try await reader.failures(.tail(after: cursor, limit: 500))
            tailed += batch.map(\.id)
            if let last = batch.last { cursor = last.id }
            _ = try await reader.tenants(TenantQuery(limit: 10))
            pagesRead += 1
            if batch.isEmpty { try await Task.sleep(for: .milliseconds(2)) }
        }
        let total = try await writerTask.value
        #expect(total == batches * writersPerRound * perWriter)
        // Whatever was left after the writer finished.
        tailed += try await reader.failures(.tail(after: cursor, limit: 10_000)).map(\.id)

        let all = try await reader.failures(FailureQuery(limit: 100_000)).map(\.id).sorted()
        #expect(all.count == total)
        #expect(tailed == all, "the tail must see every row once, in id order")
        #expect(pagesRead > 1)
        await reader.close()
        await writer.close()
    }
}

/// A one-way flag shared between the writer task and the reading loop.
actor Flag {
    private(set) var value = false
    func set() { value = true }
}
