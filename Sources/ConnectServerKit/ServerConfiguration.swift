import AdminCore
import Foundation

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
    /// Failures queued in memory before identical ones are folded into counts.
    public var failureQueueCapacity = 10_000

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
