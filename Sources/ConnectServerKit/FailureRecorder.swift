import AdminCore
import Foundation
import Logging
import Synchronization

/// Records authentication failures without ever making a request wait on the store.
///
/// `record` appends to a bounded in-memory queue under a lock (constant time) and returns;
/// a background task writes the queue in batches. When the queue is full — a flood of forged
/// tokens, a slow store — identical failures (same tenant, reason, request, address) are
/// folded into one row with a count, so every failure is still accounted for: as a row, or
/// in a row's `count`. `stats` says how many were received, written and folded.
public final class FailureRecorder: Sendable {
    public struct Stats: Sendable, Equatable {
        public var received = 0
        public var written = 0
        public var aggregated = 0
        /// Failures in rows that could not be written (the store kept failing): logged, counted.
        public var dropped = 0
    }

    private struct State {
        var queue: [AuthFailure] = []
        var overflow: [String: AuthFailure] = [:]
        var stats = Stats()
        /// Batches taken off the queue and not yet written.
        var inFlight = 0
    }

    private let state = Mutex(State())
    private let store: ConnectStore
    private let capacity: Int
    private let overflowCapacity: Int
    private let batchSize: Int
    private let logger: Logger

    public init(store: ConnectStore, capacity: Int = 10_000, overflowCapacity: Int = 2_000, batchSize: Int = 500,
                logger: Logger = Logger(label: "connect-server.failures")) {
        self.store = store
        self.capacity = capacity
        self.overflowCapacity = overflowCapacity
        self.batchSize = batchSize
        self.logger = logger
    }

    /// Queues a failure; never blocks on the store.
    public func record(_ failure: AuthFailure) {
        state.withLock { state in
            state.stats.received += 1
            if state.queue.count < capacity {
                state.queue.append(failure)
                return
            }
            // Full: fold into an aggregate of identical failures.
            let key = Self.aggregationKey(failure, coarse: state.overflow.count >= overflowCapacity)
            if var existing = state.overflow[key] {
                existing.count += failure.count
                existing.at = failure.at
                state.overflow[key] = existing
            } else {
                var first = failure
                if state.overflow.count >= overflowCapacity {
                    // Even the aggregates are full: keep counting per reason only.
                    first.clientKey = nil
                    first.path = "(aggregated)"
                    first.remoteAddress = nil
                    first.detail = "aggregated during a flood: \(failure.reason.rawValue)"
                }
                state.overflow[key] = first
            }
            state.stats.aggregated += failure.count
        }
    }

    static func aggregationKey(_ failure: AuthFailure, coarse: Bool) -> String {
        if coarse { return "reason:" + failure.reason.rawValue }
        return [failure.clientKey ?? "-", failure.reason.rawValue, failure.method, failure.path, failure.remoteAddress ?? "-"]
            .joined(separator: "\u{1}")
    }

    public var stats: Stats { state.withLock { $0.stats } }

    /// Failures waiting to be written.
    public var pending: Int { state.withLock { $0.queue.count + $0.overflow.count } }

    /// Writes everything queued now, and returns only once batches that another flush took
    /// are written too; the background loop calls it, and shutdown does.
    public func flush() async {
        while true {
            let batch: [AuthFailure] = state.withLock { state in
                if state.queue.isEmpty && state.overflow.isEmpty { return [] }
                var batch = Array(state.queue.prefix(batchSize))
                state.queue.removeFirst(batch.count)
                if batch.count < batchSize {
                    batch += state.overflow.values
                    state.overflow.removeAll(keepingCapacity: true)
                }
                state.inFlight += 1
                return batch
            }
            if batch.isEmpty { break }
            let total = batch.reduce(0) { $0 + $1.count }
            do {
                try await store.record(batch)
                state.withLock { $0.stats.written += total; $0.inFlight -= 1 }
            } catch {
                state.withLock { $0.stats.dropped += total; $0.inFlight -= 1 }
                logger.error("could not write \(batch.count) auth failure rows (\(total) failures): \(error.message)")
                break
            }
        }
        while state.withLock({ $0.inFlight > 0 }) {
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Flushes every `interval` until cancelled, then once more.
    public func run(interval: Duration = .milliseconds(100)) async {
        while !Task.isCancelled {
            await flush()
            try? await Task.sleep(for: interval)
        }
        await flush()
    }
}
