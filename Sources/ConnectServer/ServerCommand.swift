import AdminCore
import ConnectCore
import ArgumentParser
import CommandLineSupport
import ConnectServerKit
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// `connect-server`: the Connect app host.
@main
struct ServerMain {
    /// Exit codes as connect-admin's (`CommandMain`): 1 the port is taken, 2 usage, 3 the
    /// store cannot be opened.
    static func main() async {
        // Tasks run on the NIO event loops that do the I/O instead of hopping to Swift's own
        // thread pool and back for every request (BENCHMARKS.md, "tasks on the event loops":
        // the authenticated route went from 62 % to 90 % of the unauthenticated one). Nothing
        // on the request path may block a thread: SQLite work runs on GRDB's own queues.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await CommandMain.run(ServerCommand.self, arguments: Array(CommandLine.arguments.dropFirst()))
    }
}

struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect-server",
        abstract: "The Connect app host: lifecycle callbacks, request authentication, and a record of both in the store.",
        discussion: "GET /healthz answers 200 once the server can serve; GET /readyz when the store (and, with --upstream, the app) answers. Every option can also be set in the environment as CONNECT_<OPTION> (e.g. CONNECT_STORE, CONNECT_PORT, CONNECT_UPSTREAM); LOG_LEVEL sets the log level (as --log-level), CONNECT_LOG_FORMAT the format, CONNECT_ACCESS_LOG=0 turns the access log off. Exit codes: 0 stopped, 1 the port is taken, 2 usage, 3 the store cannot be opened.",
        version: ConnectAdminVersion.current)

    @Option(help: "The store: sqlite:PATH, sqlite:///abs/path or postgres://user:pass@host:port/db (default: sqlite:connect.sqlite in the working directory).")
    var store: String?

    @Option(help: "Port to listen on (0 picks a free one and prints it).")
    var port: String?

    @Option(name: .customLong("base-url"), help: "The app's base URL as the host knows it; repeat for more than one.")
    var baseURL: [String] = []

    @Option(help: "Address to bind (default: 127.0.0.1, this host only).")
    var bind: String?

    @Option(name: .customLong("app-key"), help: "The app key (descriptor `key`, `iss` of session tokens; default: com.example.connect-admin-demo).")
    var appKey: String?

    @Option(help: "A descriptor file to serve at /atlassian-connect.json (baseUrl and lifecycle URLs are filled in).")
    var descriptor: String?

    @Option(name: .customLong("install-keys-url"), help: "Base URL of the host's install public keys (default: https://connect-install-keys.atlassian.com).")
    var installKeysURL: String?

    @Option(help: "Seconds of clock skew tolerated on exp, nbf and iat (default: 60).")
    var leeway: String?

    @Flag(name: .customLong("legacy-install"), help: "Accept an unsigned first install; reinstalls must be signed with the stored secret (e.g. Bitbucket).")
    var legacyInstall = false

    @Option(help: "This node's name in the store's records (default: the host name).")
    var node: String?

    @Option(name: .customLong("retention-days"), help: "Auth failures and rejected lifecycle callbacks older than this many days are pruned (1 to 36500; default 30).")
    var retentionDays: String?

    @Option(name: .customLong("store-timeout"), help: "Seconds a store operation may take before the request is answered 503 (default 5).")
    var storeTimeout: String?

    @Option(name: .customLong("request-head-timeout"), help: "Seconds a client has to send a whole request head once it starts (default 10).")
    var requestHeadTimeout: String?

    @Option(name: .customLong("idle-timeout"), help: "Seconds an idle connection is kept open (default 60).")
    var idleTimeout: String?

    @Option(name: .customLong("max-connections"), help: "Open connections at most; more wait to be accepted (default: what the open-file limit leaves room for, 960 at 1024 files, half that less the app's idle connections with --upstream).")
    var maxConnections: String?

    @Option(name: .customLong("fold-window"), help: "Seconds within which identical refusals are folded into one row with a count (default 10).")
    var foldWindow: String?

    @Option(name: .customLong("metrics-port"), help: "Serve GET /metrics (Prometheus) on this port only, not on --port, so it need not be public (0 picks one and prints it).")
    var metricsPort: String?

    @Option(name: .customLong("log-format"), help: "text, or json: one JSON object per line on stderr (default: text).")
    var logFormat: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default: info, or LOG_LEVEL).")
    var logLevel: String?

    @Flag(name: .customLong("no-access-log"), help: "No log line per request (by default one at info: method, path without the token, status, duration, tenant, reason).")
    var noAccessLog = false

    @Option(help: "Run as a sidecar in front of this app (e.g. http://127.0.0.1:3000): record its installs and auth failures.")
    var upstream: String?

    @Option(name: .customLong("upstream-timeout"), help: "With --upstream: seconds the app may take to answer before the caller gets 504 (default 30).")
    var upstreamTimeout: String?

    @Flag(help: "With --upstream: forward every request and record what would have been refused (and where the app disagrees), refusing nothing.")
    var observe = false

    @Option(help: "With --upstream: paths that need a token (shell globs, * crosses /; default all). Repeatable.")
    var protect: [String] = []

    @Option(name: .customLong("public"), help: "With --upstream: paths that never need a token (besides the descriptor and lifecycle paths). Repeatable.")
    var publicRoutes: [String] = []

    @Option(name: .customLong("context-qsh-routes"), help: "With --upstream: paths called from the app's pages, where context tokens and the app's session tokens pass. Repeatable.")
    var contextRoutes: [String] = []

    @Option(name: .customLong("tenants-from"), help: "With --upstream: the app's own store (ace+sqlite:, ace+postgres://, ace+redis://, acsb+postgres://), read for tenants installed before the sidecar.")
    var tenantsFrom: String?

    @Option(name: .customLong("trusted-proxy"), help: "A peer (address or CIDR block, e.g. 10.0.0.0/8) whose X-Forwarded-For is believed: the recorded address is then the client's, and the sidecar appends to X-Forwarded-*. Repeatable.")
    var trustedProxy: [String] = []

    @Option(name: .customLong("secret-key-file"), help: "A key file for shared secrets at rest (repeatable): the first seals what is written, all open what was sealed with them (default: $CONNECT_SECRET_KEY_FILE, else $CREDENTIALS_DIRECTORY/connect-secret-key). Make one with `connect-admin store keygen FILE`.")
    var secretKeyFiles: [String] = []

    @Flag(name: .customLong("require-sealed"), help: "Refuse to start on a store holding plain secrets, and refuse plain secrets found later.")
    var requireSealed = false

    /// What the command line gave, by flag, as text: `ServerConfiguration(options:environment:)`
    /// reads it with the environment, through one table of settings.
    var given: GivenOptions {
        var given: GivenOptions = [:]
        let values: [(String, String?)] = [
            ("--store", store), ("--port", port), ("--bind", bind), ("--app-key", appKey), ("--descriptor", descriptor),
            ("--install-keys-url", installKeysURL), ("--leeway", leeway), ("--node", node), ("--retention-days", retentionDays),
            ("--store-timeout", storeTimeout), ("--request-head-timeout", requestHeadTimeout), ("--idle-timeout", idleTimeout),
            ("--max-connections", maxConnections), ("--fold-window", foldWindow), ("--metrics-port", metricsPort),
            ("--log-format", logFormat), ("--log-level", logLevel), ("--upstream", upstream), ("--upstream-timeout", upstreamTimeout),
            ("--tenants-from", tenantsFrom),
        ]
        for case (let flag, let value?) in values { given[flag] = [value] }
        let lists: [(String, [String])] = [
            ("--base-url", baseURL), ("--protect", protect), ("--public", publicRoutes), ("--context-qsh-routes", contextRoutes),
            ("--trusted-proxy", trustedProxy), ("--secret-key-file", secretKeyFiles),
        ]
        for (flag, values) in lists where !values.isEmpty { given[flag] = values }
        let flags: [(String, Bool)] = [("--legacy-install", legacyInstall), ("--no-access-log", noAccessLog), ("--observe", observe),
                                       ("--require-sealed", requireSealed)]
        for (flag, on) in flags where on { given[flag] = ["true"] }
        return given
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration(options: given, environment: environment)
        } catch {
            throw ValidationError(error.description)
        }
        let budget = ConnectionBudget.current(sidecar: configuration.upstream != nil)
        if let warning = budget.warning(for: configuration.maxConnections) {
            FileHandle.standardError.write(Data("connect-server: warning: \(warning)\n".utf8))
        }
        if configuration.logFormat == .json { LoggingSystem.bootstrap { label in JSONLogHandler(label: label) } }
        var logger = Logger(label: "connect-server")
        logger.logLevel = configuration.logLevel
        let keyRing: SecretKeyRing
        do {
            keyRing = try SecretKeyRing.load(files: configuration.secretKeyFiles, requireSealed: configuration.requireSealed)
        } catch {
            throw ValidationError(error.message)
        }
        var appStore: (any StoreReader)?
        if let foreign = configuration.upstream?.tenantsFrom {
            do {
                appStore = try await StoreReaders.open(foreign)
            } catch {
                throw CommandFailure("connect-server: --tenants-from: \(error.message)", ExitStatus(error))
            }
        }
        let location = configuration.store
        let storeHandle: ConnectStore
        do {
            storeHandle = try await ConnectStore.open(location, keyRing: keyRing, deadline: configuration.storeTimeout)
        } catch {
            throw CommandFailure("connect-server: \(error.message)", .store)
        }
        do {
            try await storeHandle.checkKeyRing()
        } catch {
            await storeHandle.close()
            throw CommandFailure("connect-server: \(error.message)", ExitStatus(error))
        }
        let app: ConnectServerApp
        do {
            app = try ConnectServerApp(configuration: configuration, store: storeHandle, appStore: appStore, logger: logger)
        } catch let error as Descriptor.Unusable {
            await storeHandle.close()
            throw ValidationError(error.description)
        }
        let startupLogger = logger
        let connectionCap = configuration.maxConnections
        let (bind, node) = (configuration.bind, configuration.node)
        let inFront = configuration.upstream.map { " in front of \($0.url)" } ?? ""
        let upstreamURL = configuration.upstream?.url ?? "-", json = configuration.logFormat == .json
        let application = app.makeApplication { boundPort in
            startupLogger.info("connect-server listening", metadata: ["address": "\(bind):\(boundPort)", "store": "\(location)", "node": "\(node)",
                                                                     "maxConnections": "\(connectionCap)", "openFiles": "\(budget.descriptors)"])
            Self.announce("connect-server listening on http://\(bind):\(boundPort)" + inFront, json: json,
                          ["url": "http://\(bind):\(boundPort)", "upstream": "\(upstreamURL)"])
        }
        do {
            if configuration.metricsPort != nil {
                let metricsApplication = app.makeMetricsApplication { boundPort in
                    Self.announce("connect-server metrics on http://\(bind):\(boundPort)/metrics", json: json,
                                  ["url": "http://\(bind):\(boundPort)/metrics"])
                }
                let group = ServiceGroup(configuration: .init(services: [.init(service: application), .init(service: metricsApplication)],
                                                              gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
                try await group.run()
            } else {
                try await application.runService()
            }
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            await storeHandle.close()
            throw CommandFailure("connect-server: port \(configuration.port) is already in use on \(bind): stop what holds it or choose another --port", .negative)
        }
        await app.recorder.flush()
        await app.rejections.flush()
        await storeHandle.close()
        await appStore?.close()
    }

    /// Where the server listens, on stdout for whoever started it: one sentence, or with
    /// `--log-format json` one JSON line like every other line the server writes.
    static func announce(_ sentence: String, json: Bool, _ fields: Logger.Metadata) {
        if json {
            print(JSONLogHandler.line(level: .info, label: "connect-server", message: sentence, metadata: fields), terminator: "")
        } else {
            print(sentence)
        }
        fflush(nil)
    }

}
