import AdminCore
import ArgumentParser
import ConnectServerKit
import Foundation
import Hummingbird
import Logging

/// `connect-server`: the Connect app host.
@main
struct ServerMain {
    /// Exit codes as connect-admin's: 2 for usage errors (ArgumentParser's default is 64),
    /// 3 when the store cannot be opened.
    static func main() async {
        do {
            var command = try ServerCommand.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = ServerCommand.exitCode(for: error)
            if code == .success {
                print(ServerCommand.fullMessage(for: error))
                exit(0)
            }
            if let exit = error as? ExitCode { Foundation.exit(exit.rawValue) }
            FileHandle.standardError.write(Data((ServerCommand.fullMessage(for: error) + "\n").utf8))
            exit(2)
        }
    }
}

struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect-server",
        abstract: "The Connect app host: lifecycle callbacks, request authentication, and a record of both in the store.",
        discussion: "GET /healthz answers 200 once the server can serve. Every option can also be set in the environment as CONNECT_<OPTION> (e.g. CONNECT_STORE, CONNECT_PORT).")

    @Option(help: "The store: sqlite:PATH, sqlite:///abs/path or postgres://user:pass@host:port/db.")
    var store: String?

    @Option(help: "Port to listen on (0 picks a free one and prints it).")
    var port: Int?

    @Option(name: .customLong("base-url"), help: "The app's base URL as the host knows it; repeat for more than one.")
    var baseURL: [String] = []

    @Option(help: "Address to bind.")
    var bind: String?

    @Option(name: .customLong("app-key"), help: "The app key (descriptor `key`, `iss` of session tokens).")
    var appKey: String?

    @Option(help: "A descriptor file to serve at /atlassian-connect.json (baseUrl and lifecycle URLs are filled in).")
    var descriptor: String?

    @Option(name: .customLong("install-keys-url"), help: "Base URL of the host's install public keys.")
    var installKeysURL: String?

    @Option(help: "Seconds of clock skew tolerated on exp, nbf and iat.")
    var leeway: Int64?

    @Flag(name: .customLong("legacy-install"), help: "Accept an unsigned first install; reinstalls must be signed with the stored secret (e.g. Bitbucket).")
    var legacyInstall = false

    @Option(help: "This node's name in the store's records.")
    var node: String?

    @Option(name: .customLong("retention-days"), help: "Auth failures older than this many days are pruned.")
    var retentionDays: Int?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        func env(_ name: String) -> String? { environment["CONNECT_" + name] }
        let location: StoreLocation
        do {
            location = try StoreLocation.resolve(argument: store)
        } catch {
            throw ValidationError(error.message)
        }
        let baseURLs = baseURL.isEmpty ? (env("BASE_URL").map { $0.split(separator: ",").map(String.init) } ?? []) : baseURL
        guard !baseURLs.isEmpty else { throw ValidationError("give --base-url: the app's base URL as the host knows it") }
        guard let port = port ?? env("PORT").flatMap(Int.init), (0...65535).contains(port) else {
            throw ValidationError("give --port N (0 to 65535)")
        }
        let leeway = leeway ?? env("LEEWAY").flatMap { Int64($0) } ?? 60
        guard (0...600).contains(leeway) else { throw ValidationError("--leeway must be between 0 and 600 seconds") }
        let configuration = ServerConfiguration(
            store: location, bind: bind ?? env("BIND") ?? "127.0.0.1", port: port, baseURLs: baseURLs,
            appKey: appKey ?? env("APP_KEY") ?? "com.example.connect-admin-demo", descriptorFile: descriptor ?? env("DESCRIPTOR"),
            installKeysURL: installKeysURL ?? env("INSTALL_KEYS_URL") ?? "https://connect-install-keys.atlassian.com",
            leeway: leeway, legacyInstall: legacyInstall || env("LEGACY_INSTALL") == "1",
            node: node ?? env("NODE") ?? ProcessInfo.processInfo.hostName,
            retention: TimeInterval((retentionDays ?? env("RETENTION_DAYS").flatMap(Int.init) ?? 30) * 86_400))

        var logger = Logger(label: "connect-server")
        logger.logLevel = environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let storeHandle: ConnectStore
        do {
            storeHandle = try await ConnectStore.open(location, mode: .readWrite)
        } catch {
            FileHandle.standardError.write(Data("connect-server: \(error.message)\n".utf8))
            throw ExitCode(3)
        }
        let app = try ConnectServerApp(configuration: configuration, store: storeHandle, logger: logger)
        let startupLogger = logger
        let application = app.makeApplication { boundPort in
            startupLogger.info("connect-server listening", metadata: ["address": "\(configuration.bind):\(boundPort)", "store": "\(location)", "node": "\(configuration.node)"])
            print("connect-server listening on http://\(configuration.bind):\(boundPort)")
            fflush(nil)
        }
        try await application.runService()
        await app.recorder.flush()
        await storeHandle.close()
    }
}
