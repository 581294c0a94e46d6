import AdminCore
import ConnectCore
import ConnectServerKit
import ConnectTestSupport
import Foundation
import Logging
import NIOConcurrencyHelpers
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

/// A store that refuses writes: batches are retried, and what is finally lost is counted.
@Suite struct RecorderLossTests {
    final class FlakyWriter: Sendable {
        let failuresLeft: NIOLockedValueBox<Int>
        let written = NIOLockedValueBox(0)
        init(failures: Int) { failuresLeft = NIOLockedValueBox(failures) }
        func write(_ batch: [AuthFailure]) throws(StoreError) {
            let fail = failuresLeft.withLockedValue { left in
                defer { left -= 1 }
                return left > 0
            }
            if fail { throw StoreError(.failed, "the disk is full") }
            written.withLockedValue { $0 += batch.reduce(0) { $0 + $1.count } }
        }
    }

    static func recorder(_ writer: FlakyWriter) -> FailureRecorder {
        var quiet = Logger(label: "test")
        quiet.logLevel = .critical
        return FailureRecorder(what: "auth failures", window: 0, logger: quiet, key: { BytewiseKey($0.detail) }, coarse: { (BytewiseKey("c"), $0) },
                               write: { (batch: [AuthFailure]) throws(StoreError) in try writer.write(batch) })
    }

    static func failure(_ index: Int) -> AuthFailure {
        AuthFailure(at: Date(), node: "t", clientKey: "k", reason: .expired, detail: "\(index)", method: "GET", path: "/x")
    }

    @Test func aBatchThatFailsOnceIsRetriedAndNothingIsLost() async {
        let writer = FlakyWriter(failures: 1)
        let recorder = Self.recorder(writer)
        for index in 0..<10 { recorder.record(Self.failure(index)) }
        await recorder.flushDue()  // fails, kept
        #expect(recorder.stats.written == 0)
        await recorder.flushDue()  // retried
        #expect(recorder.stats.written == 10)
        #expect(recorder.stats.dropped == 0)
        #expect(writer.written.withLockedValue { $0 } == 10)
    }

    @Test func aStoreThatKeepsFailingLosesCountedFailures() async {
        let recorder = Self.recorder(FlakyWriter(failures: 1_000))
        for index in 0..<7 { recorder.record(Self.failure(index)) }
        for _ in 0..<3 { await recorder.flushDue() }
        #expect(recorder.stats.dropped == 7, "the loss is counted, never silent")
        #expect(recorder.stats.written == 0)
        for index in 0..<4 { recorder.record(Self.failure(100 + index)) }
        await recorder.flush()  // shutdown: one last try, then counted as lost
        #expect(recorder.stats.dropped == 11)
        #expect(recorder.pending == 0)
    }
}
