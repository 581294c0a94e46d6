import AdminCore
import ConnectServerKit
import ConnectTestSupport
import Foundation
import Testing

@Suite struct FailureRecorderTests {
    /// Shutdown cancels the server's tasks; the last flush runs in a cancelled task and must
    /// still write what is queued (found by the demo check: one failure went missing).
    @Test(arguments: TestStoreBackend.allCases)
    func flushInACancelledTaskStillWrites(_ backend: TestStoreBackend) async throws {
        let store = try await backend.freshStore()
        let recorder = FailureRecorder(store: store)
        for index in 0..<3 {
            recorder.record(AuthFailure(at: Date(), node: "t", clientKey: "k", reason: .expired, detail: "\(index)", method: "GET", path: "/x"))
        }
        let flushing = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await recorder.flush()
        }
        await flushing.value
        #expect(recorder.stats.dropped == 0)
        #expect(recorder.stats.written == 3)
        // Identical failures: the first as its own row, the other two folded into one.
        let rows = try await store.failures(FailureQuery())
        #expect(rows.map(\.count).sorted() == [1, 2])
        await store.close()
    }
}
