import ConnectCore
import Foundation

/// Retention: old failures and rejected callbacks deleted without holding the server's writes
/// up, and PostgreSQL's daily partitions of failures made ahead of time.
extension ConnectStore {
    /// Deletes failures older than `cutoff` so that the server's writes are never held up for
    /// long. SQLite: in short transactions of at most `batchSize` rows. PostgreSQL: by dropping
    /// each day's partition once all of the day is older than `cutoff` (so rows of the day the
    /// cutoff falls in stay until that day is over), and in batches from the partitions that
    /// are not days. `wholeDays: false` (a prune by hand) also deletes, in batches, the rows
    /// of the day the cutoff falls in that are older than it. Returns how many rows were deleted.
    @discardableResult
    public func pruneFailures(olderThan cutoff: Date, batchSize: Int = 5000, wholeDays: Bool = true) async throws(StoreError) -> Int {
        guard dialect == .postgres else {
            return try await prune(FailurePartitions.parent, where: "at < ?", cutoff: cutoff, batchSize: batchSize)
        }
        let partitions = try await read(FailurePartitions.list).compactMap { $0.text("name") }
        var deleted = 0
        for name in partitions {
            guard let day = FailurePartitions.day(ofName: name) else {
                deleted += try await prune(name, where: "at < ?", cutoff: cutoff, batchSize: batchSize)
                continue
            }
            guard (day + 1) * FailurePartitions.dayMilliseconds <= StoreTime.milliseconds(cutoff) else {
                if !wholeDays && day * FailurePartitions.dayMilliseconds < StoreTime.milliseconds(cutoff) {
                    deleted += try await prune(name, where: "at < ?", cutoff: cutoff, batchSize: batchSize)
                }
                continue
            }
            let rows = try await read(StoreStatements.rowCount(of: name)).first?.integer("n") ?? 0
            // Dropping a partition takes a lock on the whole table for a moment: wait for it at
            // most 100 ms (a long read holds it), then leave the day to the next prune.
            do {
                try await commit(StoreStatements.dropPartition(name))
                deleted += Int(rows)
            } catch {
                continue
            }
        }
        return deleted
    }

    /// Yesterday through the day after tomorrow (UTC): what a writer needs for the next days
    /// even if its hourly upkeep stops for a while.
    public func prepareComingPartitions(now: Date = Date()) async throws(StoreError) {
        try await preparePartitions(from: now.addingTimeInterval(-86_400), through: now.addingTimeInterval(2 * 86_400))
    }

    /// Makes sure every UTC day from `start` through `end` has its partition of failures
    /// (PostgreSQL; SQLite has none), one short transaction per day. Writers call it when
    /// they open the store and hourly; a row whose day has none lands in the default
    /// partition and is moved when the day's partition is made.
    public func preparePartitions(from start: Date, through end: Date) async throws(StoreError) {
        guard dialect == .postgres else { return }
        // One read, then a transaction only for a day that has no partition yet: every
        // writer's open and hourly upkeep finds them all there.
        let existing = Set(try await read(FailurePartitions.list).compactMap { $0.text("name") })
        for day in FailurePartitions.day(of: start)...FailurePartitions.day(of: end)
        where !existing.contains(FailurePartitions.name(ofDay: day)) {
            try await commit([FailurePartitions.lock, FailurePartitions.create(day: day)])
        }
    }

    /// Deletes rejected install events older than `cutoff` (accepted ones are the tenant's
    /// history and are kept), in batches like `pruneFailures`.
    @discardableResult
    public func pruneRejectedEvents(olderThan cutoff: Date, batchSize: Int = 5000) async throws(StoreError) -> Int {
        try await prune("install_event", where: "outcome = 'rejected' AND at < ?", cutoff: cutoff, batchSize: batchSize)
    }

    /// Oldest first through the table's time index, one short transaction at a time: a batch
    /// is sized to take about `pruneBatchBudget` (up to `batchSize` rows), and the next starts
    /// only after a pause as long as the last took. On SQLite a writer waits for the batch that
    /// is running (one writer at a time), so this bounds the stall a server's writes see; a
    /// fixed 5 000-row batch held them up to 280 ms on a 1M-row prune (BENCHMARKS.md). On SQLite
    /// each batch is followed by a checkpoint of its own: left to the next commit, the copy of
    /// the deleted pages ran inside it while the writes queued behind waited (up to 65 ms).
    private func prune(_ table: String, where condition: String, cutoff: Date, batchSize: Int) async throws(StoreError) -> Int {
        var size = min(batchSize, 200)
        var deleted = 0
        while true {
            let started = ContinuousClock.now
            let ids = try await read(StoreStatements.oldestIDs(in: table, where: condition, cutoff: cutoff, limit: size)).compactMap { $0.integer("id") }
            guard !ids.isEmpty else { return deleted }
            try await commit([StoreStatements.delete(from: table, ids: ids)])
            // Only sooner than SQLite would: if it fails, the next commit checkpoints as usual.
            try? await database.checkpoint()
            deleted += ids.count
            if ids.count < size { return deleted }
            let took = ContinuousClock.now - started
            if took > Self.pruneBatchBudget {
                size = max(20, size / 2)
            } else if took < Self.pruneBatchBudget / 2 {
                size = min(batchSize, size * 2)
            }
            try? await Task.sleep(for: took)
        }
    }

    /// How long one prune transaction should take.
    static let pruneBatchBudget = Duration.milliseconds(25)
}
