import AdminCore
import CommandLineSupport
import ConnectCore
import ArgumentParser
import Foundation

/// `connect-admin tenants`: who is installed, since when, on which product, in which state.
struct TenantsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tenants", abstract: "List tenants.")

    @OptionGroup var storeOptions: StoreOptions

    @Flag(help: "One JSON object per line.")
    var json = false

    @Option(help: "Only tenants whose clientKey, baseUrl or description contains this text (case-insensitive).")
    var filter: String?

    @Option(help: "Only tenants in this state: installed, enabled, disabled or uninstalled.")
    var state: String?

    @Option(help: "Sort column: clientKey, baseUrl, productType, state, installedAt or updatedAt.")
    var sort: String = "clientKey"

    @Flag(help: "Sort in descending order.")
    var desc = false

    @Option(help: "At most this many tenants (0 for all).")
    var limit: Int = 0

    @Flag(name: .customLong("reveal-secrets"), help: "Include each tenant's shared secret. Handle the output with care.")
    var revealSecrets = false

    func run() async throws {
        let stateFilter: TenantState?
        if let state {
            guard let parsed = TenantState(rawValue: state) else {
                throw CommandFailure.usage("--state \(Sanitized.quote(state)) is not a state: use installed, enabled, disabled or uninstalled")
            }
            stateFilter = parsed
        } else {
            stateFilter = nil
        }
        guard let column = TenantQuery.SortColumn(rawValue: sort) else {
            throw CommandFailure.usage("--sort \(Sanitized.quote(sort)) is not a column: use \(TenantQuery.SortColumn.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard limit >= 0 else { throw CommandFailure.usage("--limit must be 0 (all) or more") }
        try await storeOptions.withReader { store in
            if !store.capabilities.sorting && (column != .clientKey || desc) {
                Standard.warning("\(store.location) lists tenants in its own order: --sort and --desc are ignored")
            }
            var query = TenantQuery(filter: filter, state: stateFilter, sort: column, descending: desc, limit: 500)
            var rows: [TenantRow] = []
            while true {
                if limit > 0 { query.limit = min(500, limit - rows.count) }
                let page = try await store.tenants(query)
                for sentence in page.skipped { Standard.warning("skipped: " + sentence) }
                if json {
                    for row in page.rows { Standard.output(RecordRendering.tenant(row, revealSecrets: revealSecrets).jsonText()) }
                }
                rows += page.rows
                guard let next = page.next, limit == 0 || rows.count < limit else { break }
                query.after = next
            }
            if json {
                // Printed page by page above.
            } else if rows.isEmpty {
                Standard.error(filter != nil || state != nil ? "no tenants match" : "no tenants in \(store.location)")
            } else {
                Standard.output(Standard.table(Self.table(rows, reveal: revealSecrets)))
            }
            if revealSecrets { try Self.failIfUnrevealed(rows) }
        }
    }

    /// The tenant columns every view shares, plus the secret itself when it was asked for.
    static func table(_ rows: [TenantRow], reveal: Bool) -> [[String]] {
        let table = TenantColumns.all.tableRows(rows)
        guard reveal else { return table }
        return [table[0] + ["SHARED SECRET"]] + zip(table.dropFirst(), rows).map { cells, row in
            switch row.tenant.secret {
            case .open(let secret): return cells + [secret.reveal()]
            case .unavailable(let reason): return cells + ["(\(reason.label))"]
            }
        }
    }

    /// After listing, a secret that was asked for and could not be opened fails the command
    /// with the sentence naming the key it needs (or the tampered row).
    static func failIfUnrevealed(_ rows: [TenantRow]) throws {
        let problems = rows.compactMap { row -> SecretUnavailable? in
            if case .unavailable(let reason) = row.tenant.secret { return reason }
            return nil
        }
        guard let first = problems.first else { return }
        let others = problems.count > 1 ? " (and \(problems.count - 1) more tenants)" : ""
        throw CommandFailure.secret(first, suffix: others)
    }
}
