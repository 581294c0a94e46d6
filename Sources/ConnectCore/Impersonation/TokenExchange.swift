/// Exchanging an assertion for an access token (the JWT-bearer grant), as data: the request
/// to send and what its answer means. The HTTP call itself belongs to whoever sends it.
public struct TokenExchange: Sendable {
    public static let path = "/oauth2/token"

    /// Where the request goes: the official host, or a proxy or stand-in in front of it.
    public var authServer: String
    public var assertion: String
    /// Upper-case scope names, e.g. `READ`, `ACT_AS_USER`.
    public var scopes: [String]

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Scopes may be given one per option or space-separated, in any case.
    public init(authServer: String = UserAssertion.audience, assertion: String, scopes: [String]) throws(Invalid) {
        let names = scopes.flatMap { $0.split(separator: " ").map { $0.uppercased() } }
        guard !names.isEmpty else { throw Invalid(description: "name at least one scope, e.g. --scope READ") }
        if let bad = names.first(where: { name in name.isEmpty || !name.utf8.allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) || $0 == UInt8(ascii: "_") } }) {
            throw Invalid(description: "scope \(Sanitized.quote(bad)) is not a scope name (letters and '_', e.g. READ or ACT_AS_USER)")
        }
        if let problem = WebAddress.problem(authServer, what: "authorization server") { throw Invalid(description: problem) }
        self.authServer = ConnectTokenVerifier.trimSlash(authServer)
        self.assertion = assertion
        self.scopes = names
    }

    public var url: String { authServer + Self.path }
    public var scope: String { scopes.joined(separator: " ") }

    /// The form fields, in the order Atlassian documents them.
    public var fields: [(String, String)] {
        [("grant_type", UserAssertion.grantType), ("assertion", assertion), ("scope", scope)]
    }

    /// `application/x-www-form-urlencoded`, every reserved byte percent-encoded.
    public var formBody: String {
        fields.map { PercentEncoding.encode($0.0) + "=" + PercentEncoding.encode($0.1) }.joined(separator: "&")
    }

    /// The same request as a `curl` line an operator can paste.
    public var curl: String {
        "curl -X POST '\(url)' -H 'Content-Type: application/x-www-form-urlencoded' -H 'Accept: application/json' "
            + fields.map { "--data-urlencode '\($0.0)=\($0.1)'" }.joined(separator: " ")
    }
}

/// What the authorization server answered.
public enum TokenExchangeOutcome: Sendable, Equatable {
    case granted(AccessToken)
    /// Refused: the HTTP status, the OAuth `error` and `error_description` when the body has
    /// them, and the body as received (its first 2 KB; escape it before showing it).
    case refused(status: Int, error: String?, description: String?, body: String)

    /// An access token is a bearer credential: `description` never shows it.
    public struct AccessToken: Sendable, Equatable, CustomStringConvertible {
        public var tokenType: String
        public var expiresIn: Int64?
        public var scope: String?
        private let value: String

        public init(value: String, tokenType: String, expiresIn: Int64?, scope: String?) {
            self.value = value
            self.tokenType = tokenType
            self.expiresIn = expiresIn
            self.scope = scope
        }

        /// The token itself, only for callers that were asked to show it.
        public func reveal() -> String { value }
        public var fingerprint: String { ConnectToken.fingerprint(of: value) }
        public var description: String { "\(tokenType) token \(fingerprint)" }
    }

    /// Reads an answer: 200 with `access_token` is a grant, anything else a refusal.
    public static func read(status: Int, body: [UInt8]) -> TokenExchangeOutcome {
        let json = try? StrictJSONParser(maxDepth: 8).parse(body)
        let text = String(decoding: body.prefix(2048), as: UTF8.self)
        if status == 200, let token = json?["access_token"]?.stringValue, !token.isEmpty {
            var expiresIn: Int64?
            if case .integer(let seconds)? = json?["expires_in"] { expiresIn = seconds }
            return .granted(AccessToken(value: token, tokenType: json?["token_type"]?.stringValue ?? "Bearer",
                                        expiresIn: expiresIn, scope: json?["scope"]?.stringValue))
        }
        return .refused(status: status, error: json?["error"]?.stringValue, description: json?["error_description"]?.stringValue,
                        body: text)
    }
}
