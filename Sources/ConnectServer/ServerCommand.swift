import AdminCore
import ConnectCore
import ArgumentParser
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
    /// Exit codes as connect-admin's: 2 for usage errors (ArgumentParser's default is 64),
    /// 3 when the store cannot be opened.
    static func main() async {
        // Tasks run on the NIO event loops that do the I/O instead of hopping to Swift's own
        // thread pool and back for every request (BENCHMARKS.md, "tasks on the event loops":
        // the authenticated route went from 62 % to 90 % of the unauthenticated one). Nothing
        // on the request path may block a thread: SQLite work runs on GRDB's own queues.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
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
        discussion: "GET /healthz answers 200 once the server can serve; GET /readyz when the store (and, with --upstream, the app) answers. Every option can also be set in the environment as CONNECT_<OPTION> (e.g. CONNECT_STORE, CONNECT_PORT, CONNECT_UPSTREAM); LOG_LEVEL sets the log level (as --log-level), CONNECT_LOG_FORMAT the format, CONNECT_ACCESS_LOG=0 turns the access log off. Exit codes: 0 stopped, 1 the port is taken, 2 usage, 3 the store cannot be opened.",
        version: ConnectAdminVersion.current)

    @Option(help: "The store: sqlite:PATH, sqlite:///abs/path or postgres://user:pass@host:port/db (default: sqlite:connect.sqlite in the working directory).")
    var store: String?

    @Option(help: "Port to listen on (0 picks a free one and prints it).")
    var port: Int?

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
    var leeway: Int64?

    @Flag(name: .customLong("legacy-install"), help: "Accept an unsigned first install; reinstalls must be signed with the stored secret (e.g. Bitbucket).")
    var legacyInstall = false

    @Option(help: "This node's name in the store's records (default: the host name).")
    var node: String?

    @Option(name: .customLong("retention-days"), help: "Auth failures and rejected lifecycle callbacks older than this many days are pruned (1 to 36500; default 30).")
    var retentionDays: Int?

    @Option(name: .customLong("store-timeout"), help: "Seconds a store operation may take before the request is answered 503 (default 5).")
    var storeTimeout: Double?

    @Option(name: .customLong("request-head-timeout"), help: "Seconds a client has to send a whole request head once it starts (default 10).")
    var requestHeadTimeout: Double?

    @Option(name: .customLong("idle-timeout"), help: "Seconds an idle connection is kept open (default 60).")
    var idleTimeout: Double?

    @Option(name: .customLong("max-connections"), help: "Open connections at most; more wait to be accepted (default: what the open-file limit leaves room for, 960 at 1024 files, half that less the app's idle connections with --upstream).")
    var maxConnections: Int?

    @Option(name: .customLong("fold-window"), help: "Seconds within which identical refusals are folded into one row with a count (default 10).")
    var foldWindow: Double?

    @Option(name: .customLong("metrics-port"), help: "Serve GET /metrics (Prometheus) on this port only, not on --port, so it need not be public (0 picks one and prints it).")
    var metricsPort: Int?

    @Option(name: .customLong("log-format"), help: "text, or json: one JSON object per line on stderr (default: text).")
    var logFormat: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default: info, or LOG_LEVEL).")
    var logLevel: String?

    @Flag(name: .customLong("no-access-log"), help: "No log line per request (by default one at info: method, path without the token, status, duration, tenant, reason).")
    var noAccessLog = false

    @Option(help: "Run as a sidecar in front of this app (e.g. http://127.0.0.1:3000): record its installs and auth failures.")
    var upstream: String?

    @Option(name: .customLong("upstream-timeout"), help: "With --upstream: seconds the app may take to answer before the caller gets 504 (default 30).")
    var upstreamTimeout: Double?

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
        let retentionDays = try Self.number(retentionDays, env("RETENTION_DAYS"), Int.init, default: 30, "--retention-days")
        guard ServerConfiguration.retentionDays.contains(retentionDays) else {
            throw ValidationError("--retention-days must be between \(ServerConfiguration.retentionDays.lowerBound) and \(ServerConfiguration.retentionDays.upperBound)")
        }
        func seconds(_ value: Double?, _ name: String, _ variable: String, default fallback: Double, range: ClosedRange<Double>) throws -> Duration {
            let value = try Self.number(value, env(variable), Double.init, default: fallback, name)
            guard range.contains(value) else {
                throw ValidationError("\(name) must be between \(Self.format(range.lowerBound)) and \(Self.format(range.upperBound)) seconds")
            }
            return .milliseconds(Int64(value * 1000))
        }
        var configuration = ServerConfiguration(
            store: location, bind: bind ?? env("BIND") ?? "127.0.0.1", port: port, baseURLs: baseURLs,
            appKey: appKey ?? env("APP_KEY") ?? "com.example.connect-admin-demo", descriptorFile: descriptor ?? env("DESCRIPTOR"),
            installKeysURL: installKeysURL ?? env("INSTALL_KEYS_URL") ?? "https://connect-install-keys.atlassian.com",
            leeway: leeway, legacyInstall: legacyInstall || env("LEGACY_INSTALL") == "1",
            node: node ?? env("NODE") ?? ProcessInfo.processInfo.hostName,
            retention: TimeInterval(retentionDays * 86_400))
        configuration.storeTimeout = try seconds(storeTimeout, "--store-timeout", "STORE_TIMEOUT", default: 5, range: 0.1...120)
        configuration.requestHeadTimeout = try seconds(requestHeadTimeout, "--request-head-timeout", "REQUEST_HEAD_TIMEOUT", default: 10, range: 0.1...3600)
        configuration.idleTimeout = try seconds(idleTimeout, "--idle-timeout", "IDLE_TIMEOUT", default: 60, range: 0.1...86_400)
        let window = try seconds(foldWindow, "--fold-window", "FOLD_WINDOW", default: 10, range: 0...3600)
        configuration.foldWindow = Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18
        // By default as many as the open-file limit leaves room for: past it `accept` fails.
        let budget = ConnectionBudget.current(sidecar: (upstream ?? env("UPSTREAM")) != nil)
        configuration.maxConnections = try Self.number(maxConnections, env("MAX_CONNECTIONS"), Int.init, default: budget.connections, "--max-connections")
        guard (1...1_000_000).contains(configuration.maxConnections) else { throw ValidationError("--max-connections must be between 1 and 1000000") }
        if let warning = budget.warning(for: configuration.maxConnections) {
            FileHandle.standardError.write(Data("connect-server: warning: \(warning)\n".utf8))
        }

        if let problem = WebAddress.problem(configuration.installKeysURL, what: "--install-keys-url") { throw ValidationError(problem) }
        var appStore: (any StoreReader)?
        if let upstream = upstream ?? env("UPSTREAM") {
            if let problem = WebAddress.problem(upstream, what: "--upstream") { throw ValidationError(problem) }
            var sidecar = UpstreamConfiguration(
                url: upstream, timeout: try seconds(upstreamTimeout, "--upstream-timeout", "UPSTREAM_TIMEOUT", default: 30, range: 0.1...3600),
                observe: observe || env("OBSERVE") == "1", publicRoutes: publicRoutes.map(RouteGlob.init),
                contextRoutes: contextRoutes.map(RouteGlob.init))
            if !protect.isEmpty { sidecar.protect = protect.map(RouteGlob.init) }
            if let tenantsFrom = tenantsFrom ?? env("TENANTS_FROM") {
                let foreign: StoreLocation
                do {
                    foreign = try StoreLocation.named(tenantsFrom)
                } catch {
                    throw ValidationError("--tenants-from: \(error.message)")
                }
                do {
                    appStore = try await StoreReaders.open(foreign)
                } catch {
                    FileHandle.standardError.write(Data("connect-server: --tenants-from: \(error.message)\n".utf8))
                    throw ExitCode(3)
                }
                sidecar.tenantsFrom = foreign
            }
            configuration.upstream = sidecar
        } else if observe || !protect.isEmpty || !publicRoutes.isEmpty || !contextRoutes.isEmpty || tenantsFrom != nil {
            throw ValidationError("--observe, --protect, --public, --context-qsh-routes and --tenants-from need --upstream")
        }
        do {
            configuration.trustedProxies = try TrustedProxies(trustedProxy.isEmpty
                ? (env("TRUSTED_PROXY").map { $0.split(separator: ",").map(String.init) } ?? []) : trustedProxy)
        } catch {
            throw ValidationError(error.description)
        }

        let levelText = logLevel ?? environment["LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            throw ValidationError("--log-level \(Sanitized.quote(levelText)) is not a level: use trace, debug, info, notice, warning, error or critical")
        }
        var jsonLogs = false
        switch (logFormat ?? env("LOG_FORMAT") ?? "text").lowercased() {
        case "text": break
        case "json":
            jsonLogs = true
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
        case let other: throw ValidationError("--log-format \(Sanitized.quote(other)) is not a format: use text or json")
        }
        configuration.accessLog = !noAccessLog && env("ACCESS_LOG") != "0"
        if let metricsPort = metricsPort ?? env("METRICS_PORT").flatMap(Int.init) {
            guard (0...65535).contains(metricsPort) else { throw ValidationError("--metrics-port must be between 0 and 65535") }
            configuration.metricsPort = metricsPort
        }
        var logger = Logger(label: "connect-server")
        logger.logLevel = level
        let keyRing: SecretKeyRing
        do {
            keyRing = try SecretKeyRing.load(files: SecretKeyRing.keyFiles(options: secretKeyFiles, environment: environment),
                                           requireSealed: requireSealed || env("REQUIRE_SEALED") == "1")
        } catch {
            throw ValidationError(error.message)
        }
        let storeHandle: ConnectStore
        do {
            storeHandle = try await ConnectStore.open(location, keyRing: keyRing, deadline: configuration.storeTimeout)
        } catch {
            FileHandle.standardError.write(Data("connect-server: \(error.message)\n".utf8))
            throw ExitCode(3)
        }
        do {
            try await storeHandle.checkKeyRing()
        } catch {
            await storeHandle.close()
            FileHandle.standardError.write(Data("connect-server: \(error.message)\n".utf8))
            throw ExitCode(error.kind == .usage ? 2 : 3)
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
        let upstreamURL = configuration.upstream?.url ?? "-", json = jsonLogs
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
            FileHandle.standardError.write(Data("connect-server: port \(port) is already in use on \(bind): stop what holds it or choose another --port\n".utf8))
            throw ExitCode(1)
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

    /// The option's value, else the environment's (which must parse), else the default.
    static func number<T>(_ option: T?, _ environment: String?, _ parse: (String) -> T?, default fallback: T, _ name: String) throws -> T {
        if let option { return option }
        guard let environment else { return fallback }
        guard let value = parse(environment) else { throw ValidationError("\(name) from the environment is not a number: \(Sanitized.quote(environment))") }
        return value
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
