/// What a route expects of a token: the route's half of the Connect JWT profile.
public struct TokenExpectation: Sendable {
    public enum Algorithm: String, Sendable {
        /// Host → app requests and app-issued session tokens.
        case hs256 = "HS256"
        /// Signed install and uninstall callbacks.
        case rs256 = "RS256"
    }

    /// Which `aud` values are acceptable.
    public enum Audience: Sendable, Equatable {
        /// No audience check (e.g. verifying with a bare secret and no tenant).
        case unchecked
        /// When present, `aud` must name this clientKey (a string, or an array whose first
        /// entry is it).
        case tenant(String)
        /// `aud` is required and its (first) entry must be one of these app base URLs.
        case appBaseURL([String])
    }

    /// The rules beyond the common ones (format, algorithm, signature, times).
    public enum Kind: Sendable, Equatable {
        /// Host → app: `iss` names the tenant whose key the lookup found.
        case request
        /// App → host: `iss` must be this app key (`nil`: the tenant, and so the key, is unknown).
        case outbound(appKey: String?)
        /// An act-as-user assertion for the tenant described.
        case userAssertion(UserAssertionExpectation)
        /// A session token an app issued to its own pages, as atlassian-connect-express does
        /// (`X-acpt`): `iss` this app key, `aud` the tenant, no `qsh` (or `context-qsh`), and
        /// at most 15 minutes between `iat` and `exp`.
        case appSession(appKey: String)
    }

    public var algorithm: Algorithm
    public var kind: Kind
    /// The request the token must be bound to through `qsh`; `nil` skips the qsh check
    /// (the CLI without `--method/--url`).
    public var request: CanonicalRequest?
    /// Whether `qsh: "context-qsh"` is acceptable (routes called from the app's own pages).
    public var allowsContextQSH: Bool
    public var audience: Audience
    /// When set, `iss` must equal it (signed installs: the payload's clientKey).
    public var issuer: String?

    public init(algorithm: Algorithm = .hs256, request: CanonicalRequest? = nil, allowsContextQSH: Bool = false,
                audience: Audience = .unchecked, issuer: String? = nil, kind: Kind = .request) {
        self.algorithm = algorithm
        self.kind = kind
        self.request = request
        self.allowsContextQSH = allowsContextQSH
        self.audience = audience
        self.issuer = issuer
    }
}
