import AdminCore
import ConnectCore
import Foundation
import Logging
import NIOConcurrencyHelpers

/// Writes refusals (auth failures, rejected lifecycle callbacks) to the store without a
/// request ever waiting on it, folding identical ones into counts (`FoldingWindow`).
///
/// `record` takes a refusal in constant time under a lock; a background task writes what is
/// queued in batches. The queue is bounded: when it is full, even the first refusal of a kind
/// is folded. A batch the store refuses is retried on the next rounds and, if it still cannot
/// be written, its loss is counted in `stats.dropped` and logged with the number lost — never
/// silent. `stats` says how many were received, written, folded and lost.
public final class FoldingRecorder<Record: Foldable>: Sendable {
    public struct Stats: Sendable, Equatable {
        public var received = 0
        public var written = 0
        /// Received but folded into another row's count.
        public var aggregated = 0
        /// In rows that could not be written after every retry.
        public var dropped = 0
    }

    private struct Failed {
        var batch: [Record]
        var attempts: Int
    }

    private struct State {
        var queue: [Record] = []
        var window: FoldingWindow<Record>
        var retrying: [Failed] = []
        var stats = Stats()
        /// Batches taken off the queue and not yet written.
        var inFlight = 0
    }

    private let state: NIOLockedValueBox<State>
    private let write: @Sendable ([Record]) async throws(StoreError) -> Void
    private let key: @Sendable (Record) -> BytewiseKey
    private let coarse: @Sendable (Record) -> (BytewiseKey, Record)
    private let capacity: Int
    private let batchSize: Int
    private let maxAttempts: Int
    private let what: String
    private let logger: Logger

    public init(what: String, capacity: Int = 10_000, batchSize: Int = 500, window: TimeInterval = 10, maxKeys: Int = 200,
                maxAttempts: Int = 3, logger: Logger,
                key: @escaping @Sendable (Record) -> BytewiseKey,
                coarse: @escaping @Sendable (Record) -> (BytewiseKey, Record),
                write: @escaping @Sendable ([Record]) async throws(StoreError) -> Void) {
        self.state = NIOLockedValueBox(State(window: FoldingWindow(window: window, maxKeys: maxKeys)))
        self.what = what
        self.capacity = capacity
        self.batchSize = batchSize
        self.maxAttempts = maxAttempts
        self.logger = logger
        self.key = key
        self.coarse = coarse
        self.write = write
    }

    /// Queues a refusal for the background writer; never blocks on the store.
    public func record(_ record: Record) {
        state.withLockedValue { state in
            state.stats.received += record.count
            let full = state.queue.count >= capacity
            if let first = state.window.admit(record, key: key(record), coarse: coarse, mustFold: full) {
                state.queue.append(first)
            } else {
                state.stats.aggregated += record.count
            }
        }
    }

    /// Takes a refusal in and returns it when the caller must write it itself now (the first
    /// of its kind in the window); `nil` when it was folded into a count written later.
    /// The caller reports the outcome of its write with `wrote`.
    public func admit(_ record: Record) -> Record? {
        state.withLockedValue { state in
            state.stats.received += record.count
            let first = state.window.admit(record, key: key(record), coarse: coarse)
            if first == nil { state.stats.aggregated += record.count }
            return first
        }
    }

    /// Accounts for a record handed out by `admit`: written, or lost.
    public func wrote(_ record: Record, _ succeeded: Bool) {
        state.withLockedValue { state in
            if succeeded { state.stats.written += record.count } else { state.stats.dropped += record.count }
        }
    }

    public var stats: Stats { state.withLockedValue { $0.stats } }

    /// Rows waiting to be written: queued, folded, or kept for a retry.
    public var pending: Int {
        state.withLockedValue { $0.queue.count + $0.window.pendingRows + $0.retrying.reduce(0) { $0 + $1.batch.count } }
    }

    /// Writes what is queued and every aggregate whose window has closed: the background loop.
    public func flushDue() async {
        await flush(closingWindows: false)
    }

    /// Writes everything, closing every open window, and returns only once batches another
    /// flush took are written too: shutdown, and tests that read the store.
    public func flush() async {
        await flush(closingWindows: true)
        while state.withLockedValue({ $0.inFlight > 0 }) {
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    private func flush(closingWindows: Bool) async {
        // Earlier batches first, so a store that came back gets them in order.
        await retryFailed(final: false)
        let now = Date()
        while true {
            let batch: [Record] = state.withLockedValue { state in
                var batch = Array(state.queue.prefix(batchSize))
                state.queue.removeFirst(batch.count)
                if batch.count < batchSize {
                    batch += closingWindows ? state.window.takeAll() : state.window.takeDue(now: now)
                }
                if !batch.isEmpty { state.inFlight += 1 }
                return batch
            }
            if batch.isEmpty { break }
            guard await attempt(batch, attempts: 1, final: false) else { break }
        }
        guard closingWindows else { return }
        await retryFailed(final: true)
        // Whatever is still queued now (the store failed on the way out) is lost: say how much.
        let left: Int = state.withLockedValue { state in
            let left = state.queue.reduce(0) { $0 + $1.count } + state.window.takeAll().reduce(0) { $0 + $1.count }
            state.queue.removeAll()
            state.stats.dropped += left
            return left
        }
        if left > 0 {
            logger.error("lost \(left) \(what): the store could not take them before shutdown", metadata: ["lost": "\(left)"])
        }
    }

    /// Tries the batches that failed before; on the final round each gets one last attempt.
    private func retryFailed(final: Bool) async {
        while let failed = state.withLockedValue({ state -> Failed? in
            guard !state.retrying.isEmpty else { return nil }
            state.inFlight += 1
            return state.retrying.removeFirst()
        }) {
            let written = await attempt(failed.batch, attempts: failed.attempts + 1, final: final)
            if !written && !final { break }
        }
    }

    /// Writes one batch (its `inFlight` already counted). On failure it is kept for a later
    /// round, or, after `maxAttempts` or on the final flush, counted as lost.
    private func attempt(_ batch: [Record], attempts: Int, final: Bool) async -> Bool {
        let total = batch.reduce(0) { $0 + $1.count }
        do {
            try await write(batch)
            state.withLockedValue { $0.stats.written += total; $0.inFlight -= 1 }
            return true
        } catch {
            let lost = final || attempts >= maxAttempts
            state.withLockedValue { state in
                state.inFlight -= 1
                if lost {
                    state.stats.dropped += total
                } else {
                    state.retrying.append(Failed(batch: batch, attempts: attempts))
                }
            }
            if lost {
                logger.error("lost \(total) \(what) (\(batch.count) rows) after \(attempts) attempts to write them: \(error.message)",
                             metadata: ["lost": "\(total)"])
            } else {
                logger.warning("could not write \(batch.count) \(what) rows, will retry: \(error.message)")
            }
            return false
        }
    }

    /// Flushes every `interval` until cancelled, then everything once more.
    public func run(interval: Duration = .milliseconds(100)) async {
        while !Task.isCancelled {
            await flushDue()
            try? await Task.sleep(for: interval)
        }
        await flush()
    }
}

/// Auth failures of refused requests.
public typealias FailureRecorder = FoldingRecorder<AuthFailure>

extension FoldingRecorder where Record == AuthFailure {
    /// Folds failures with the same tenant, reason, route (method and path without query) and
    /// source; beyond `maxKeys` kinds, by reason alone.
    public convenience init(store: ConnectStore, capacity: Int = 10_000, window: TimeInterval = 10, maxKeys: Int = 200,
                            batchSize: Int = 500, logger: Logger = Logger(label: "connect-server.failures")) {
        self.init(what: "auth failures", capacity: capacity, batchSize: batchSize, window: window, maxKeys: maxKeys, logger: logger,
                  key: Self.failureKey, coarse: Self.coarseFailure,
                  write: { (batch: [AuthFailure]) throws(StoreError) in try await store.record(batch) })
    }

    static func failureKey(_ failure: AuthFailure) -> BytewiseKey {
        let route = failure.path.prefix { $0 != "?" }
        return BytewiseKey([failure.clientKey ?? "-", failure.reason.rawValue, failure.method, String(route), failure.remoteAddress ?? "-"]
            .joined(separator: "\u{1}"))
    }

    static func coarseFailure(_ failure: AuthFailure) -> (BytewiseKey, AuthFailure) {
        var folded = failure
        folded.clientKey = nil
        folded.path = "(aggregated)"
        folded.remoteAddress = nil
        folded.userAgent = nil
        folded.tokenFingerprint = nil
        folded.detail = "aggregated during a flood of many kinds (more than the fold window keeps apart): \(failure.reason.rawValue)"
        return (BytewiseKey("reason\u{1}" + failure.reason.rawValue), folded)
    }
}

/// Rejected lifecycle callbacks: the first of a kind is written before the answer, as any
/// decision; identical ones within the window are folded.
public typealias RejectionRecorder = FoldingRecorder<InstallEvent>

extension FoldingRecorder where Record == InstallEvent {
    public convenience init(store: ConnectStore, window: TimeInterval = 10, maxKeys: Int = 200,
                            logger: Logger = Logger(label: "connect-server.lifecycle")) {
        self.init(what: "rejected lifecycle callbacks", window: window, maxKeys: maxKeys, logger: logger,
                  key: Self.rejectionKey, coarse: Self.coarseRejection,
                  write: { (batch: [InstallEvent]) throws(StoreError) in try await store.record(batch) })
    }

    static func rejectionKey(_ event: InstallEvent) -> BytewiseKey {
        BytewiseKey([event.clientKey, event.eventType.rawValue, event.reason?.rawValue ?? "-", event.remoteAddress ?? "-"]
            .joined(separator: "\u{1}"))
    }

    static func coarseRejection(_ event: InstallEvent) -> (BytewiseKey, InstallEvent) {
        var folded = event
        folded.clientKey = "(aggregated)"
        folded.remoteAddress = nil
        folded.baseUrl = nil
        folded.fingerprintBefore = nil
        folded.detail = "aggregated during a flood of many kinds: \(event.reason?.rawValue ?? "rejected")"
        return (BytewiseKey("reason\u{1}\(event.eventType.rawValue)\u{1}\(event.reason?.rawValue ?? "-")"), folded)
    }
}
