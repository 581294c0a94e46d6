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

    public var algorithm: Algorithm
    /// The request the token must be bound to through `qsh`; `nil` skips the qsh check
    /// (the CLI without `--method/--url`).
    public var request: CanonicalRequest?
    /// Whether `qsh: "context-qsh"` is acceptable (routes called from the app's own pages).
    public var allowsContextQSH: Bool
    public var audience: Audience
    /// When set, `iss` must equal it (signed installs: the payload's clientKey).
    public var issuer: String?

    public init(algorithm: Algorithm = .hs256, request: CanonicalRequest? = nil, allowsContextQSH: Bool = false,
                audience: Audience = .unchecked, issuer: String? = nil) {
        self.algorithm = algorithm
        self.request = request
        self.allowsContextQSH = allowsContextQSH
        self.audience = audience
        self.issuer = issuer
    }
}
