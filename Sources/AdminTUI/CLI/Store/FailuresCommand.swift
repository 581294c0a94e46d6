import AdminCore
import CommandLineSupport
import ConnectCore
import ArgumentParser
import Dispatch
import Foundation

/// `connect-admin failures`: why requests were refused; `--follow` streams new ones.
struct FailuresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failures", abstract: "Show authentication failures; --follow streams new ones until Ctrl-C.")

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "Only this tenant's clientKey.")
    var tenant: String?

    @Option(help: "Only this reason code, e.g. expired or qsh_mismatch.")
    var reason: String?

    @Option(help: "Only failures since a time or within a duration: 90s, 15m, 1h, 2d or an ISO 8601 time.")
    var since: String?

    @Option(help: "At most this many failures, newest first (before following); 0 for all.")
    var limit: Int = 100

    @Flag(help: "Keep printing new failures as they are written, until interrupted (exit 0).")
    var follow = false

    @Flag(help: "One JSON object per line.")
    var json = false

    /// Column widths while following: a UTC time, a clientKey, the longest reason code, a count
    /// and a request; longer cells still print whole.
    static let followWidths = [16, 36, ReasonCode.allCases.map(\.rawValue.count).max() ?? 25, 5, 40, 40]

    /// How often `--follow` asks the store for new rows: well inside the 1 s the design allows.
    static let pollInterval: Duration = .milliseconds(200)

    func run() async throws {
        let reasonCode: ReasonCode?
        if let reason {
            guard let code = ReasonCode(rawValue: reason) else {
                throw CommandFailure.usage("--reason \(Sanitized.quote(reason)) is not a reason code: use one of \(ReasonCode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            reasonCode = code
        } else {
            reasonCode = nil
        }
        let sinceDate = try since.map { try DurationArgument.since($0) }
        guard limit >= 0 else { throw CommandFailure.usage("--limit must be 0 (all) or more") }
        if let sentence = try storeOptions.foreignStoreKeepsNo("authentication failures") { return Standard.error(sentence) }
        if follow { Self.exitCleanlyOnInterrupt() }

        try await storeOptions.withStore { store in
            // The cursor is taken before the first page, so nothing written in between is lost.
            var cursor = try await store.lastFailureID()
            // Pages of 1000 up to the limit (0: all), and one row more to know whether it cut.
            var recent: [AuthFailure] = []
            var query = FailureQuery(clientKey: tenant, reason: reasonCode, since: sinceDate, limit: 1000, beforeID: cursor + 1)
            while limit == 0 || recent.count <= limit {
                if limit > 0 { query.limit = min(1000, limit + 1 - recent.count) }
                let page = try await store.failures(query)
                recent += page
                guard page.count == query.limit, let last = page.last else { break }
                query.beforeID = last.id
            }
            let cut = limit > 0 && recent.count > limit
            print(Array((cut ? Array(recent.prefix(limit)) : recent).reversed()), header: true)
            if cut { Standard.error("showing the newest \(limit) failures; there are more: raise --limit, or --limit 0 for all") }
            guard follow else {
                if recent.isEmpty && !json { Standard.error("no failures match") }
                return
            }
            while true {
                let batch = try await store.failures(.tail(after: cursor, clientKey: tenant, reason: reasonCode))
                if let last = batch.last { cursor = last.id }
                print(batch.filter { $0.at >= (sinceDate ?? .distantPast) }, header: false)
                if batch.count < 1000 { try await Task.sleep(for: Self.pollInterval) }
            }
        }
    }

    private func print(_ failures: [AuthFailure], header: Bool) {
        guard !failures.isEmpty else { return }
        if json {
            for failure in failures { Standard.output(RecordRendering.failure(failure).jsonText()) }
        } else {
            // Followed rows arrive in batches: fixed widths keep every batch under the header.
            Standard.output(Standard.table(FailureColumns.all.tableRows(failures, header: header), minimumWidths: follow ? Self.followWidths : []))
        }
        Standard.flush()
    }

    /// Ctrl-C (and SIGTERM) end `--follow` with exit 0, after flushing what was printed.
    static func exitCleanlyOnInterrupt() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                Standard.flush()
                Foundation.exit(0)
            }
            source.resume()
            SignalSources.keep(source)
        }
    }
}

/// Keeps signal sources alive for the life of the process.
enum SignalSources {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
    private static let lock = NSLock()

    static func keep(_ source: any DispatchSourceSignal) {
        lock.lock()
        sources.append(source)
        lock.unlock()
    }
}
