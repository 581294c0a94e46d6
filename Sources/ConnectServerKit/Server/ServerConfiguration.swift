import AdminCore
import ConnectCore
import Foundation
import Logging

/// Everything `connect-server` is told on its command line.
public struct ServerConfiguration: Sendable {
    public var store: StoreLocation
    public var bind: String
    public var port: Int
    /// The app's base URL(s) as the host knows them; the first is written into the descriptor.
    public var baseURLs: [String]
    public var appKey: String
    public var descriptorFile: String?
    public var installKeysURL: String
    public var leeway: Int64
    public var legacyInstall: Bool
    public var node: String
    /// Auth failures older than this are pruned (in small batches, hourly).
    public var retention: TimeInterval
    /// Failures queued in memory before even the first of a kind is folded into a count.
    public var failureQueueCapacity = 10_000
    /// Identical refusals (auth failures, rejected callbacks) within this window are one row with a count.
    public var foldWindow: TimeInterval = 10
    /// Kinds of refusal a fold window keeps apart, each in a row of its own; beyond them a
    /// window folds by reason alone (one overflow row per reason, with its count), so a flood
    /// of distinct issuers writes at most about twice this many rows a window.
    public var foldKinds: Int = 200
    /// The longest any one store operation may take before the request is answered 503.
    public var storeTimeout: Duration = .seconds(5)
    /// Once a request's first byte arrives, its head must be complete within this.
    public var requestHeadTimeout: Duration = .seconds(10)
    /// A connection with no request in progress is closed after this.
    public var idleTimeout: Duration = .seconds(60)
    /// Open connections beyond this wait in the accept queue.
    public var maxConnections = 1024
    /// Fetches of install keys for kids not seen before, per minute, beyond which forged
    /// installs are refused without an outbound request.
    public var installKeyFetchesPerMinute = 30
    /// Peers whose `X-Forwarded-For` is believed (`--trusted-proxy`).
    public var trustedProxies = TrustedProxies.none
    /// Serve `/metrics` on this port only (not on the main one), so it need not be public.
    public var metricsPort: Int?
    /// One log line per request at info (`--no-access-log` turns it off).
    public var accessLog = true
    /// Set: run as a sidecar in front of this app instead of hosting the example app.
    public var upstream: UpstreamConfiguration?
    public var logLevel = Logger.Level.info
    public var logFormat = LogFormat.text
    /// Key files for shared secrets at rest; the first seals what is written.
    public var secretKeyFiles: [String] = []
    /// Refuse a store holding plain secrets.
    public var requireSealed = false

    public enum LogFormat: String, Sendable {
        case text
        /// One JSON object per line, on stderr and stdout alike.
        case json
    }

    /// The accepted range of `--retention-days`.
    public static let retentionDays = 1...36_500

    public init(store: StoreLocation, bind: String = "127.0.0.1", port: Int, baseURLs: [String], appKey: String = "com.example.connect-admin-demo",
                descriptorFile: String? = nil, installKeysURL: String = "https://connect-install-keys.atlassian.com",
                leeway: Int64 = 60, legacyInstall: Bool = false, node: String = ProcessInfo.processInfo.hostName,
                retention: TimeInterval = 30 * 86_400) {
        self.store = store
        self.bind = bind
        self.port = port
        self.baseURLs = baseURLs
        self.appKey = appKey
        self.descriptorFile = descriptorFile
        self.installKeysURL = installKeysURL
        self.leeway = leeway
        self.legacyInstall = legacyInstall
        self.node = node
        self.retention = retention
    }

    /// The path of the first base URL (`/connect` for `https://app.example.com/connect`), under
    /// which every route is served; empty at the root.
    public var basePath: String {
        var path = RequestTarget(baseURLs.first ?? "").path
        while path.hasSuffix("/") { path = path.dropLast() }
        return String(path)
    }
}
