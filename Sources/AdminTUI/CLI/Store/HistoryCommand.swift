import AdminCore
import CommandLineSupport
import ConnectCore
import ArgumentParser

/// `connect-admin history`: every lifecycle callback and what was decided, newest first.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Show installation history (newest first).")

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "Only this tenant's clientKey.")
    var tenant: String?

    @Option(help: "At most this many events, newest first; 0 for all.")
    var limit: Int = 100

    @Flag(help: "Only rejected callbacks.")
    var rejected = false

    @Flag(help: "One JSON object per line.")
    var json = false

    func run() async throws {
        guard limit >= 0 else { throw CommandFailure.usage("--limit must be 0 (all) or more") }
        let limit = self.limit == 0 ? Int.max : self.limit
        if let sentence = try storeOptions.foreignStoreKeepsNo("install history") { return Standard.error(sentence) }
        try await storeOptions.withStore { store in
            var events: [InstallEvent] = []
            if let tenant, !rejected, limit <= 1000 {
                // One tenant: its newest accepted events are always shown, however many
                // rejected callbacks came after them.
                events = try await store.tenantHistory(clientKey: tenant, limit: limit)
            } else {
                var query = HistoryQuery(clientKey: tenant, outcome: rejected ? .rejected : nil, limit: min(limit, 1000))
                while events.count < limit {
                    let page = try await store.history(query)
                    events += page.prefix(limit - events.count)
                    guard page.count == query.limit, let last = page.last else { break }
                    query.beforeID = last.id
                }
            }
            if json {
                for event in events { Standard.output(RecordRendering.event(event).jsonText()) }
                return
            }
            guard !events.isEmpty else {
                Standard.error("no install events\(tenant.map { " for \($0)" } ?? "")")
                return
            }
            Standard.output(Standard.table(EventColumns.columns(for: events).tableRows(events)))
        }
    }
}
