import AdminCore
import CommandLineSupport
import ConnectCore
import ArgumentParser
import Foundation

/// `connect-admin store keygen | seal | rekey`: shared secrets encrypted at rest.
extension StoreCommand {
    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new 256-bit key file for sealing secrets at rest (created 0600, never overwriting).",
            discussion: "Prints the key's id, never the key. Give the file to connect-server and connect-admin with --secret-key-file.")
        @Argument(help: "The key file to create.") var file: String

        func run() async throws {
            let key: SecretKey
            do {
                key = try SecretKey.create(file: file)
            } catch {
                throw CommandFailure.usage(error.message)
            }
            Standard.output("wrote key id \(key.id) to \(file)")
        }
    }

    struct Seal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seal every plain shared secret in the store with the first --secret-key-file.",
            discussion: """
                Batched and resumable: run it again after an interruption. Safe while connect-server runs (start the \
                servers with the same key first, so what they write from then on is sealed too). Afterwards the store's \
                files are compacted so the plain values are gone from them (SQLite; see docs/operations.md for PostgreSQL).
                """)
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "Rows per transaction.") var batchSize: Int = 500

        func run() async throws {
            try await StoreCommand.reseal(.plain, storeOptions: storeOptions, keyRing: try storeOptions.keyRing, batchSize: batchSize)
        }
    }

    struct Rekey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-seal every shared secret under a new key (plain ones included).",
            discussion: """
                --secret-key-file names the keys the values are sealed with now; --new-key-file the key to seal them \
                with. Resumable like `store seal`. Start the servers with the new key first and the old ones after it; \
                drop the old key once `store info` shows no value under it.
                """)
        @OptionGroup var storeOptions: StoreOptions
        @Option(name: .customLong("new-key-file"), help: ArgumentHelp("The key to seal with from now on.", valueName: "file"))
        var newKeyFile: String
        @Option(help: "Rows per transaction.") var batchSize: Int = 500

        func run() async throws {
            let old = try storeOptions.keyRing
            let new: SecretKey
            do {
                new = try SecretKey.read(file: newKeyFile)
            } catch {
                throw CommandFailure.usage(error.message)
            }
            let ring = SecretKeyRing(keys: [new] + old.keys.filter { $0.id != new.id })
            try await StoreCommand.reseal(.notUnderSealingKey, storeOptions: storeOptions, keyRing: ring, batchSize: batchSize)
        }
    }

    /// Runs a seal or rekey and says what it did; a value it could not open fails the command
    /// (exit 3) after everything else is done.
    static func reseal(_ target: ConnectStore.ResealTarget, storeOptions: StoreOptions, keyRing: SecretKeyRing, batchSize: Int) async throws {
        guard batchSize > 0 else { throw CommandFailure.usage("--batch-size must be 1 or more") }
        guard let key = keyRing.sealingKey else {
            throw CommandFailure.usage("sealing needs a key: pass --secret-key-file FILE (make one with `connect-admin store keygen FILE`)")
        }
        let location = try storeOptions.location
        let store = try await ConnectStore.open(location, keyRing: keyRing)
        let report: ConnectStore.ResealReport
        do {
            let total = try await store.sealingSummary().total
            var shown = 0
            report = try await store.reseal(target, batchSize: batchSize) { done in
                // A line per 5000 values: progress for a large store without a flood.
                guard done / 5000 > shown / 5000 else { return }
                shown = done
                Standard.error("sealed \(done) of at most \(total) values")
            }
            await store.close()
        } catch {
            await store.close()
            throw error
        }
        Standard.output("sealed \(report.resealed) secrets with key id \(key.id); \(Self.describe(report.after))")
        if let note = report.scrubNote { Standard.warning(note) }
        if let first = report.unreadable.first {
            let more = report.unreadable.count > 1 ? " (and \(report.unreadable.count - 1) more values left as they are)" : " (left as it is)"
            throw CommandFailure.secret(first, suffix: more)
        }
    }

    /// `100 sealed under key id 1a2b3c4d, 0 plain`.
    static func describe(_ summary: SealingSummary) -> String {
        let sealed = summary.keyIDs.map { "\(summary.sealed[$0] ?? 0) sealed under key id \($0)" }
        return (sealed + ["\(summary.plain) plain"]).joined(separator: ", ")
    }
}
