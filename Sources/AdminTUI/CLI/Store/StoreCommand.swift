import AdminCore
import CommandLineSupport
import ConnectCore
import ArgumentParser
import Foundation

/// `connect-admin store migrate | info | prune | keygen | seal | rekey`.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Create, upgrade, inspect, prune the store, or seal its secrets at rest.",
        subcommands: [Migrate.self, Info.self, Prune.self, Keygen.self, Seal.self, Rekey.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create the store, or upgrade it to this version's schema.")
        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            let summary = try await storeOptions.withWriter { try await $0.summary() }
            Standard.output("\(try storeOptions.location) is at schema version \(summary.schemaVersion)")
        }
    }

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the store's schema version and row counts.")
        @OptionGroup var storeOptions: StoreOptions
        @Flag(help: "One JSON object.") var json = false

        func run() async throws {
            let location = try storeOptions.location
            // Exact counts: 10M failures take PostgreSQL seconds to count (4.6 s on a busy
            // machine), so this waits longer than the 5 s other reads get.
            let (summary, sealing) = try await storeOptions.withStore(deadline: .seconds(60)) { store in
                (try await store.summary(), try await store.sealingSummary())
            }
            if json {
                Standard.output(JSONValue.object(JSONObject([
                    "store": .string(location.description), "schemaVersion": .integer(Int64(summary.schemaVersion)),
                    "tenants": .integer(Int64(summary.tenants)), "installEvents": .integer(Int64(summary.installEvents)),
                    "authFailures": .integer(Int64(summary.authFailures)),
                    "secrets": .object(JSONObject([
                        "plain": .integer(Int64(sealing.plain)),
                        "sealed": .object(JSONObject(sealing.keyIDs.map { JSONObject.Member(key: $0, value: .integer(Int64(sealing.sealed[$0] ?? 0))) })),
                    ])),
                ])).jsonText())
            } else {
                Standard.output(Standard.table([
                    ["store", location.description], ["schema version", String(summary.schemaVersion)],
                    ["tenants", String(summary.tenants)], ["install events", String(summary.installEvents)],
                    ["auth failures", String(summary.authFailures)],
                    ["secrets", StoreCommand.describe(sealing) + " (current and past)"],
                ]))
            }
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete auth failures older than the retention age, in small batches (on PostgreSQL whole days are dropped).")
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "Keep failures younger than this: 30d, 12h, …") var olderThan: String = "30d"
        @Flag(help: "Confirm a prune that keeps less than the last hour (e.g. --older-than 0s deletes every failure).") var yes = false

        func run() async throws {
            let cutoff = try DurationArgument.since(olderThan, option: "--older-than")
            // Keeping less than an hour deletes what an operator is most likely looking at now.
            guard yes || cutoff < Date().addingTimeInterval(-3600) else {
                throw CommandFailure.usage("--older-than \(Sanitized.quote(olderThan)) keeps less than the last hour of failures: add --yes if you mean to delete them")
            }
            let deleted = try await storeOptions.withWriter { try await $0.pruneFailures(olderThan: cutoff, wholeDays: false) }
            Standard.output("deleted \(deleted) failures older than \(RecordRendering.iso(cutoff))")
        }
    }
}
