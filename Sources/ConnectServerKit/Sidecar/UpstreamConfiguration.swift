import AdminCore
import ConnectCore
import Foundation

/// `connect-server --upstream URL`: the app behind the sidecar and how requests to it are
/// guarded.
public struct UpstreamConfiguration: Sendable {
    /// The app's own address, e.g. `http://127.0.0.1:3000` (no trailing slash).
    public var url: String
    /// How long the app may take to answer before the caller gets 504.
    public var timeout: Duration
    /// Forward everything and record what we would have refused, instead of refusing it.
    public var observe: Bool
    /// Paths that need a token (default: all).
    public var protect: [RouteGlob]
    /// Paths that never need one (besides the descriptor and the lifecycle paths).
    public var publicRoutes: [RouteGlob]
    /// Paths called from the app's own pages: context tokens and the app's session tokens pass.
    public var contextRoutes: [RouteGlob]
    /// The app's own store, for the secrets of tenants installed before the sidecar.
    public var tenantsFrom: StoreLocation?

    public init(url: String, timeout: Duration = .seconds(30), observe: Bool = false, protect: [RouteGlob] = [RouteGlob("*")],
                publicRoutes: [RouteGlob] = [], contextRoutes: [RouteGlob] = [], tenantsFrom: StoreLocation? = nil) {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        self.url = url
        self.timeout = timeout
        self.observe = observe
        self.protect = protect
        self.publicRoutes = publicRoutes
        self.contextRoutes = contextRoutes
        self.tenantsFrom = tenantsFrom
    }
}

/// A shell-style path pattern (`/api/*`, `/static/*.css`), matched with the C library's
/// `fnmatch`; `*` crosses `/`, so `/api/*` covers everything below `/api/`.
public struct RouteGlob: Sendable, Equatable, CustomStringConvertible {
    public let pattern: String

    public init(_ pattern: String) { self.pattern = pattern }

    public func matches(_ path: Substring) -> Bool {
        fnmatch(pattern, String(path), 0) == 0
    }

    /// Matched whatever the case of either: for protection, where a doubt means "protected".
    public func matchesIgnoringCase(_ path: Substring) -> Bool {
        fnmatch(pattern, String(path), Self.caseFold) == 0
    }

    /// glibc's `FNM_CASEFOLD` (a GNU extension the C module does not export).
    private static let caseFold: Int32 = 1 << 4

    public var description: String { pattern }
}

extension [RouteGlob] {
    func matches(_ path: Substring) -> Bool { contains { $0.matches(path) } }
    func matchesIgnoringCase(_ path: Substring) -> Bool { contains { $0.matchesIgnoringCase(path) } }
}
