import AdminCore
import CommandLineSupport
import ConnectCore
import ArgumentParser
import Foundation

/// `--store URL`: where the store is, for every command that reads or writes it.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("store"), help: ArgumentHelp(
        "The store: sqlite:PATH, sqlite:///abs/path or postgres://user:pass@host:port/db; ace+sqlite:PATH, ace+postgres://… or acsb+postgres://… for atlassian-connect-express or Spring Boot stores (read-only) (default: $CONNECT_STORE, else sqlite:connect.sqlite).",
        valueName: "url"))
    var store: String?

    @Option(name: .customLong("secret-key-file"), help: ArgumentHelp(
        "A key file that opens secrets sealed at rest (repeatable; the first seals new ones). Needed only to reveal a secret, sign or verify with it (default: $CONNECT_SECRET_KEY_FILE, else $CREDENTIALS_DIRECTORY/connect-secret-key).",
        valueName: "file"))
    var secretKeyFiles: [String] = []

    var location: StoreLocation {
        get throws { try StoreLocation.resolve(argument: store) }
    }

    /// The key ring from `--secret-key-file` or the environment; a bad key file is exit 2.
    var keyRing: SecretKeyRing {
        get throws {
            do {
                return try SecretKeyRing.load(files: SecretKeyRing.keyFiles(options: secretKeyFiles, environment: ProcessInfo.processInfo.environment))
            } catch {
                throw CommandFailure.usage(error.message)
            }
        }
    }

    /// Runs `body` with our store open to read (a failure to open is exit 3, or 2 for a
    /// malformed URL, with its sentence), and closes it afterwards whatever happens.
    func withStore<T>(deadline: Duration = .seconds(5), _ body: (ConnectStoreReader) async throws -> T) async throws -> T {
        let store = try await ConnectStoreReader.open(try location, keyRing: try keyRing, deadline: deadline)
        return try await Self.closing(store, close: { await $0.close() }, body)
    }

    /// The same, with the store open to write: created if needed, and migrated.
    func withWriter<T>(deadline: Duration = .seconds(5), _ body: (ConnectStore) async throws -> T) async throws -> T {
        let store = try await ConnectStore.open(try location, keyRing: try keyRing, deadline: deadline)
        return try await Self.closing(store, close: { await $0.close() }, body)
    }

    /// Runs `body` with the store open for reading, whichever framework wrote it (our own, or
    /// an atlassian-connect-express or Spring Boot store), and closes it afterwards.
    func withReader<T>(_ body: (any StoreReader) async throws -> T) async throws -> T {
        try await Self.closing(try await StoreReaders.open(try location, keyRing: try keyRing), close: { await $0.close() }, body)
    }

    private static func closing<R, T>(_ resource: R, close: (R) async -> Void, _ body: (R) async throws -> T) async throws -> T {
        do {
            let result = try await body(resource)
            await close(resource)
            return result
        } catch {
            await close(resource)
            throw error
        }
    }

    /// For `history` and `failures` on another framework's store, which keeps no such records:
    /// the sentence that says so (printed on stderr, exit 0); `nil` for our own stores.
    func foreignStoreKeepsNo(_ what: String) throws -> String? {
        guard case .foreign(let foreign) = try location else { return nil }
        return "\(foreign.description) keeps no \(what): \(foreign.layout.framework) stores tenants only; run `connect-server --upstream` in front of the app to record them"
    }

    /// The design page accepts `--store` before the subcommand too (`connect-admin --store X
    /// tenants`), and so `--secret-key-file`. ArgumentParser only knows options after the
    /// command that declares them, so these found before the first subcommand word are moved
    /// to the end.
    static func movingStoreOptionAfterSubcommand(_ arguments: [String]) -> [String] {
        let movable = ["--store", "--secret-key-file"]
        var leading: [String] = []
        var moved: [String] = []
        var index = 0
        while index < arguments.count, arguments[index].hasPrefix("-") {
            let argument = arguments[index]
            if movable.contains(argument), index + 1 < arguments.count {
                moved += [argument, arguments[index + 1]]
                index += 2
            } else if movable.contains(where: { argument.hasPrefix($0 + "=") }) {
                moved.append(argument)
                index += 1
            } else {
                leading.append(argument)
                index += 1
            }
        }
        // No subcommand after it (the console itself takes --store): leave it where it is.
        guard index < arguments.count, !moved.isEmpty else { return arguments }
        return leading + arguments[index...] + moved
    }
}
