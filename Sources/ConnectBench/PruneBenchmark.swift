import AdminCore
import ConnectCore
import ArgumentParser
import Foundation

/// Retention at scale: fills an empty store with `--rows` failures older than the cutoff (ten
/// days of them: ten day partitions on PostgreSQL), then prunes them while a writer records
/// one failure every 10 ms, as a server would. Reports the longest write during the prune
/// next to writes before it (target: ≤ 100 ms), the prune's rate, and the bytes the store
/// takes per failure row. `--what rejected-events` does the same with rejected install events
/// (pruned in batches on both backends) and a writer recording one every 10 ms.
struct PruneBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Write stalls while retention prunes old failures or rejected install events.",
        discussion: "Give an empty store (a new SQLite path, or an empty PostgreSQL database): the benchmark deletes what it wrote.")

    @Option(help: "The store to fill and prune (must hold no failures).")
    var store: String

    @Option(help: "Rows (failures, or rejected install events) to write older than the cutoff and then prune.")
    var rows = 1_000_000

    /// What is written and pruned: everything the benchmark does that depends on it is here.
    enum Rows: String, ExpressibleByArgument, CaseIterable, Sendable {
        case failures
        case rejectedEvents = "rejected-events"

        var noun: String { self == .failures ? "failures" : "rejected install events" }

        /// Rows `indexes`, each at `time(index)`: through the bulk path, or (`recorded`) in one
        /// `record` call, the way a server's recorder writes a batch.
        func fill(_ store: ConnectStore, _ indexes: Range<Int>, recorded: Bool, at time: (Int) -> Date) async throws {
            switch (self, recorded) {
            case (.failures, false): try await store.importFailures(indexes.map { failure(index: $0, at: time($0)) })
            case (.failures, true): try await store.record(indexes.map { failure(index: $0, at: time($0)) })
            case (.rejectedEvents, false): try await store.importRows(tenants: [], secrets: [], events: indexes.map { rejection(index: $0, at: time($0)) })
            case (.rejectedEvents, true): try await store.record(indexes.map { rejection(index: $0, at: time($0)) })
            }
        }

        /// One row, now, the way the server records it.
        func record(_ store: ConnectStore, index: Int) async throws {
            switch self {
            case .failures: try await store.record([failure(index: index, at: Date())])
            case .rejectedEvents: try await store.record([rejection(index: index, at: Date())])
            }
        }

        /// The server's retention for these rows.
        func prune(_ store: ConnectStore, olderThan cutoff: Date, batchSize: Int) async throws -> Int {
            switch self {
            case .failures: try await store.pruneFailures(olderThan: cutoff, batchSize: batchSize)
            case .rejectedEvents: try await store.pruneRejectedEvents(olderThan: cutoff, batchSize: batchSize)
            }
        }
    }

    @Option(help: "What to fill and prune: failures, or rejected install events.")
    var what: Rows = .failures

    @Option(help: "Write the old rows the way a server does, through record() in transactions of this many rows, instead of the bulk path (0, 20 000 a transaction).")
    var fillBatch = 0

    @Option(help: "The most rows a prune transaction deletes (the server's default is 5000); each is sized to take about 25 ms.")
    var batch = 5000

    @Flag(help: "Print one JSON object instead of the lines.")
    var json = false

    func run() async throws {
        let location = try StoreLocation.named(store)
        let store = try await ConnectStore.open(location)
        let summary = try await store.summary()
        guard summary.authFailures == 0 && summary.installEvents == 0 else {
            throw ValidationError("the store holds failures or install events: give an empty store, the benchmark deletes what it writes")
        }
        let emptyBytes = try await store.storageBytes()
        let now = Date()
        // Ten days of failures, 41 to 31 days old, so that on PostgreSQL every day they fall in
        // ends before the cutoff (30 days) and its partition is dropped whole.
        let old = now.addingTimeInterval(-41 * 86_400), spacing = 10 * 86_400 / Double(max(rows, 1))
        try await store.preparePartitions(from: old, through: old.addingTimeInterval(10 * 86_400))
        let fillStart = ContinuousClock.now
        var written = 0
        while written < rows {
            let count = min(fillBatch > 0 ? fillBatch : 20_000, rows - written)
            try await what.fill(store, written..<(written + count), recorded: fillBatch > 0) { old.addingTimeInterval(Double($0) * spacing) }
            written += count
            if !json && written % 200_000 < count { FileHandle.standardError.write(Data("written \(written)/\(rows)\n".utf8)) }
        }
        let fillTime = ContinuousClock.now - fillStart
        let bytesPerRow = Double(try await store.storageBytes() - emptyBytes) / Double(rows)

        // Writes alone for two seconds, then writes during the prune.
        let what = self.what
        let (_, before) = try await Self.writes(what, into: store) { try await Task.sleep(for: .seconds(2)) }
        let cutoff = now.addingTimeInterval(-30 * 86_400)
        let batch = self.batch
        let ((pruned, pruneTime), during) = try await Self.writes(what, into: store) {
            let start = ContinuousClock.now
            let pruned = try await what.prune(store, olderThan: cutoff, batchSize: batch)
            return (pruned, ContinuousClock.now - start)
        }
        await store.close()
        let seconds = pruneTime.milliseconds / 1000
        let beforeMs = before.map(\.milliseconds).sorted(), duringMs = during.map(\.milliseconds).sorted()
        func ms(_ sorted: [Double], _ fraction: Double) -> String { JWTBenchmark.rounded(TailBenchmark.percentile(sorted, fraction), places: 2) }
        let fill = JWTBenchmark.rounded(fillTime.milliseconds / 1000, places: 2), perRow = JWTBenchmark.rounded(bytesPerRow, places: 0)
        let pruneSeconds = JWTBenchmark.rounded(seconds), rate = JWTBenchmark.rounded(Double(pruned) / max(seconds, 0.001), places: 0)
        if json {
            let figures: KeyValuePairs = [
                "rows": "\(rows)", "fillSeconds": fill, "bytesPerRow": perRow, "pruned": "\(pruned)", "pruneSeconds": pruneSeconds,
                "prunedPerSecond": rate, "batch": "\(batch)", "fillBatch": "\(fillBatch)", "writeP50MsBefore": ms(beforeMs, 0.5), "writeMaxMsBefore": ms(beforeMs, 1),
                "writeP50MsDuring": ms(duringMs, 0.5), "writeP99MsDuring": ms(duringMs, 0.99), "writeMaxMsDuring": ms(duringMs, 1),
                "writesDuring": "\(during.count)",
            ]
            print("{" + figures.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}")
        } else {
            print("store: \(location); \(rows) \(what.noun) written in \(fill) s, \(perRow) bytes a row (indexes included)")
            print("prune of \(pruned) rows, at most \(batch) a transaction: \(pruneSeconds) s (\(rate) rows/s)")
            print("a write every 10 ms: before the prune p50 \(ms(beforeMs, 0.5)) ms, max \(ms(beforeMs, 1)) ms; during it p50 \(ms(duringMs, 0.5)) ms, "
                  + "p99 \(ms(duringMs, 0.99)) ms, max \(ms(duringMs, 1)) ms over \(during.count) writes (target: max <= 100 ms)")
        }
    }

    /// Records one failure (or rejected install event) every 10 ms while `body` runs: what it
    /// returned, and the time each record took.
    static func writes<T: Sendable>(_ what: Rows, into store: ConnectStore, while body: @escaping @Sendable () async throws -> T) async throws -> (T, [Duration]) {
        try await withThrowingTaskGroup(of: WriteOutcome<T>.self) { group in
            group.addTask { .body(try await body()) }
            group.addTask {
                var samples: [Duration] = []
                var index = 0
                while !Task.isCancelled {
                    let start = ContinuousClock.now
                    try await what.record(store, index: index)
                    samples.append(ContinuousClock.now - start)
                    index += 1
                    try? await Task.sleep(for: .milliseconds(10))
                }
                return .writes(samples)
            }
            var value: T?
            var samples: [Duration] = []
            while let outcome = try await group.next() {
                switch outcome {
                case .body(let result):
                    value = result
                    group.cancelAll()
                case .writes(let result):
                    samples = result
                }
            }
            guard let value else { throw CancellationError() }
            return (value, samples)
        }
    }

    enum WriteOutcome<T: Sendable>: Sendable {
        case body(T)
        case writes([Duration])
    }

    /// An unsigned reinstall over an existing tenant, refused: the kind of event a hijack
    /// attempt leaves, by the thousand.
    private static func rejection(index: Int, at: Date) -> InstallEvent {
        InstallEvent(at: at, node: "bench-prune", clientKey: "jira:prune-\(index % 1000)", eventType: .installed, outcome: .rejected,
                     reason: .unsignedReinstall, auth: "none", baseUrl: "https://prune-\(index % 1000).atlassian.net",
                     remoteAddress: "198.51.100.\(index % 250)", detail: "an unsigned install for a clientKey already installed")
    }

    private static func failure(index: Int, at: Date) -> AuthFailure {
        AuthFailure(at: at, node: "bench-prune", clientKey: "jira:prune-\(index % 1000)", reason: .expired,
                    detail: "token expired \(60 + index % 900) s ago (leeway 60 s)", method: "GET", path: "/pages/hello",
                    remoteAddress: "198.51.100.\(index % 250)", userAgent: "Atlassian HttpClient 4.2.1",
                    tokenFingerprint: String(format: "%016llx", UInt64(index) &* 0x9E37_79B9_7F4A_7C15), alg: "HS256",
                    exp: Int64(at.timeIntervalSince1970) - 60, iat: Int64(at.timeIntervalSince1970) - 240)
    }
}
