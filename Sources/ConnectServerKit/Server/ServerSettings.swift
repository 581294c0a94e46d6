import AdminCore
import ConnectCore
import Foundation
import Logging

/// A setting whose text cannot be used: one sentence naming the flag or variable it came from
/// and what to give instead. connect-server exits 2 with it.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// What the command line gave, as text, by flag: `["--port": ["8080"], "--protect": ["/a/*", "/b/*"]]`;
/// a flag without a value (`--observe`) as `["true"]`.
public typealias GivenOptions = [String: [String]]

/// One setting of connect-server as data: the flag that sets it, the environment variable
/// that sets it when the flag is absent, and what its text means. Defaults are the
/// configuration's own; a setting given neither way keeps it.
struct ServerSetting: Sendable {
    enum Kind: Sendable {
        /// One value.
        case value
        /// Repeatable; the variable holds a comma-separated list.
        case list
        /// On when given; the variable is on at `1`.
        case flag
    }

    typealias Apply = @Sendable (inout ServerConfiguration, _ values: [String], _ source: String) throws(ConfigurationError) -> Void

    let flag: String
    let variable: String
    let kind: Kind
    let apply: Apply

    init(_ flag: String, _ kind: Kind = .value, variable: String? = nil, _ apply: @escaping Apply) {
        self.flag = flag
        self.variable = variable ?? "CONNECT_" + flag.dropFirst(2).uppercased().replacingOccurrences(of: "-", with: "_")
        self.kind = kind
        self.apply = apply
    }

    /// Every setting, in the order they are applied (`--upstream` before what needs it).
    static let all: [ServerSetting] = [
        ServerSetting("--store") { configuration, values, source throws(ConfigurationError) in
            configuration.store = try store(values[0], source)
        },
        ServerSetting("--port") { configuration, values, source throws(ConfigurationError) in
            configuration.port = try number(values[0], source, in: 0...65535, Int.init)
        },
        ServerSetting("--base-url", .list) { configuration, values, _ in configuration.baseURLs = values },
        ServerSetting("--bind") { configuration, values, _ in configuration.bind = values[0] },
        ServerSetting("--app-key") { configuration, values, _ in configuration.appKey = values[0] },
        ServerSetting("--descriptor") { configuration, values, _ in configuration.descriptorFile = values[0] },
        ServerSetting("--install-keys-url") { configuration, values, source throws(ConfigurationError) in
            if let problem = WebAddress.problem(values[0], what: source) { throw ConfigurationError(problem) }
            configuration.installKeysURL = values[0]
        },
        ServerSetting("--leeway") { configuration, values, source throws(ConfigurationError) in
            configuration.leeway = try number(values[0], source, in: 0...600, Int64.init, unit: " seconds")
        },
        ServerSetting("--legacy-install", .flag) { configuration, _, _ in configuration.legacyInstall = true },
        ServerSetting("--node") { configuration, values, _ in configuration.node = values[0] },
        ServerSetting("--retention-days") { configuration, values, source throws(ConfigurationError) in
            configuration.retention = TimeInterval(try number(values[0], source, in: ServerConfiguration.retentionDays, Int.init) * 86_400)
        },
        ServerSetting("--store-timeout") { configuration, values, source throws(ConfigurationError) in
            configuration.storeTimeout = try seconds(values[0], source, in: 0.1...120)
        },
        ServerSetting("--request-head-timeout") { configuration, values, source throws(ConfigurationError) in
            configuration.requestHeadTimeout = try seconds(values[0], source, in: 0.1...3600)
        },
        ServerSetting("--idle-timeout") { configuration, values, source throws(ConfigurationError) in
            configuration.idleTimeout = try seconds(values[0], source, in: 0.1...86_400)
        },
        ServerSetting("--max-connections") { configuration, values, source throws(ConfigurationError) in
            configuration.maxConnections = try number(values[0], source, in: 1...1_000_000, Int.init)
        },
        ServerSetting("--fold-window") { configuration, values, source throws(ConfigurationError) in
            let window = try seconds(values[0], source, in: 0...3600)
            configuration.foldWindow = Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18
        },
        ServerSetting("--metrics-port") { configuration, values, source throws(ConfigurationError) in
            configuration.metricsPort = try number(values[0], source, in: 0...65535, Int.init)
        },
        ServerSetting("--log-format") { configuration, values, source throws(ConfigurationError) in
            guard let format = ServerConfiguration.LogFormat(rawValue: values[0].lowercased()) else {
                throw ConfigurationError("\(source) \(Sanitized.quote(values[0])) is not a format: use text or json")
            }
            configuration.logFormat = format
        },
        ServerSetting("--log-level", variable: "LOG_LEVEL") { configuration, values, source throws(ConfigurationError) in
            guard let level = Logger.Level(rawValue: values[0].lowercased()) else {
                throw ConfigurationError("\(source) \(Sanitized.quote(values[0])) is not a level: use trace, debug, info, notice, warning, error or critical")
            }
            configuration.logLevel = level
        },
        ServerSetting("--no-access-log", .flag, variable: "CONNECT_ACCESS_LOG") { configuration, _, _ in configuration.accessLog = false },
        ServerSetting("--upstream") { configuration, values, source throws(ConfigurationError) in
            if let problem = WebAddress.problem(values[0], what: source) { throw ConfigurationError(problem) }
            configuration.upstream = UpstreamConfiguration(url: values[0])
        },
        sidecar("--upstream-timeout") { upstream, values, source throws(ConfigurationError) in
            upstream.timeout = try seconds(values[0], source, in: 0.1...3600)
        },
        sidecar("--observe", .flag) { upstream, _, _ in upstream.observe = true },
        sidecar("--protect", .list) { upstream, values, _ in upstream.protect = values.map(RouteGlob.init) },
        sidecar("--public", .list) { upstream, values, _ in upstream.publicRoutes = values.map(RouteGlob.init) },
        sidecar("--context-qsh-routes", .list) { upstream, values, _ in upstream.contextRoutes = values.map(RouteGlob.init) },
        sidecar("--tenants-from") { upstream, values, source throws(ConfigurationError) in
            upstream.tenantsFrom = try store(values[0], source)
        },
        ServerSetting("--trusted-proxy", .list) { configuration, values, _ throws(ConfigurationError) in
            do {
                configuration.trustedProxies = try TrustedProxies(values)
            } catch {
                throw ConfigurationError(String(describing: error))
            }
        },
        ServerSetting("--require-sealed", .flag) { configuration, _, _ in configuration.requireSealed = true },
    ]

    /// A setting of the sidecar's: refused without `--upstream`.
    static func sidecar(_ flag: String, _ kind: Kind = .value,
                        _ apply: @escaping @Sendable (inout UpstreamConfiguration, [String], String) throws(ConfigurationError) -> Void) -> ServerSetting {
        ServerSetting(flag, kind) { configuration, values, source throws(ConfigurationError) in
            guard var upstream = configuration.upstream else {
                throw ConfigurationError("\(source) needs --upstream: it says how the sidecar treats the app behind it")
            }
            try apply(&upstream, values, source)
            configuration.upstream = upstream
        }
    }

    static func store(_ text: String, _ source: String) throws(ConfigurationError) -> StoreLocation {
        do {
            return try StoreLocation.named(text)
        } catch {
            throw ConfigurationError("\(source): \(error.message)")
        }
    }

    static func number<T: Comparable>(_ text: String, _ source: String, in range: ClosedRange<T>, _ parse: (String) -> T?,
                                      unit: String = "") throws(ConfigurationError) -> T {
        guard let value = parse(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw ConfigurationError("\(source) must be a whole number from \(range.lowerBound) to \(range.upperBound)\(unit), not \(Sanitized.quote(text))")
        }
        return value
    }

    static func seconds(_ text: String, _ source: String, in range: ClosedRange<Double>) throws(ConfigurationError) -> Duration {
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite, range.contains(value) else {
            throw ConfigurationError("\(source) must be between \(format(range.lowerBound)) and \(format(range.upperBound)) seconds, not \(Sanitized.quote(text))")
        }
        return .milliseconds(Int64(value * 1000))
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}

extension ServerConfiguration {
    /// The configuration the options and the environment describe: for each setting the flag's
    /// value, else its variable's, else the default; every value checked, the first problem
    /// thrown as one sentence. Nothing is opened or started here.
    public init(options: GivenOptions, environment: [String: String]) throws(ConfigurationError) {
        self.init(store: .sqlite(path: "connect.sqlite"), port: -1, baseURLs: [])
        var maxConnectionsGiven = false
        for setting in ServerSetting.all {
            let values: [String], source: String
            if let given = options[setting.flag], !given.isEmpty {
                (values, source) = (given, setting.flag)
            } else if let text = environment[setting.variable] {
                switch setting.kind {
                case .value: values = [text]
                case .list: values = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                case .flag: values = setting.flag == "--no-access-log" ? (text == "0" ? ["on"] : []) : (text == "1" ? ["on"] : [])
                }
                source = setting.variable
                if values.isEmpty { continue }
            } else {
                continue
            }
            try setting.apply(&self, values, source)
            if setting.flag == "--max-connections" { maxConnectionsGiven = true }
        }
        guard !baseURLs.isEmpty else { throw ConfigurationError("give --base-url: the app's base URL as the host knows it") }
        guard port >= 0 else { throw ConfigurationError("give --port N (0 to 65535)") }
        // By default as many connections as the open-file limit leaves room for: past it `accept` fails.
        if !maxConnectionsGiven { maxConnections = ConnectionBudget.current(sidecar: upstream != nil).connections }
        secretKeyFiles = SecretKeyRing.keyFiles(options: options["--secret-key-file"] ?? [], environment: environment)
    }
}
