import ConnectCore
/// A token explained against a store: which kind it was checked as, for which tenant, every
/// check the verifier ran, and which of the tenant's secrets signed it. `jwt verify --tenant`
/// and the console's token lab both ask this, so they cannot tell an operator different things.
public struct TokenExplanation: Sendable {
    public var kind: TokenKind
    /// True when nobody named the kind and it was read off the token (`TokenKind.guess`).
    public var kindAssumed: Bool
    /// The clientKey whose key and facts the token was checked with.
    public var clientKey: String?
    public var report: VerificationReport
    /// Which of the tenant's secrets, current or past, signed it; `nil` when undecodable.
    public var secretMatch: SecretMatch?

    public init(kind: TokenKind, kindAssumed: Bool, clientKey: String?, report: VerificationReport, secretMatch: SecretMatch?) {
        self.kind = kind
        self.kindAssumed = kindAssumed
        self.clientKey = clientKey
        self.report = report
        self.secretMatch = secretMatch
    }
}

/// Builds the expectation for each kind of token and runs the one verifier over it.
public struct TokenInspector: Sendable {
    /// What to check a token as; empty fields are decided from the token and the store.
    public struct Question: Sendable {
        public var token: String
        public var kind: TokenKind?
        /// The tenant to check against; `nil` finds it from the token (`aud`, `iss`, or an
        /// assertion's oauthClientId).
        public var clientKey: String?
        /// The request a request or outbound token must be bound to; `nil` skips qsh.
        public var method: String?
        public var url: String?
        /// Stripped from `url` first: the app's base URL (request tokens), the tenant's by
        /// default for outbound tokens.
        public var baseURL: String?
        public var allowsContextQSH: Bool

        public init(token: String, kind: TokenKind? = nil, clientKey: String? = nil, method: String? = nil, url: String? = nil,
                    baseURL: String? = nil, allowsContextQSH: Bool = false) {
            self.token = token
            self.kind = kind
            self.clientKey = clientKey
            self.method = method
            self.url = url
            self.baseURL = baseURL
            self.allowsContextQSH = allowsContextQSH
        }
    }

    public var verifier: ConnectTokenVerifier

    public init(verifier: ConnectTokenVerifier) {
        self.verifier = verifier
    }

    /// Checks the token with the store's tenant: its key, its facts, its secret history.
    public func explain(_ question: Question, store: any StoreReader, now: Int64) async throws(StoreError) -> TokenExplanation {
        let decoded = try? ConnectToken.decode(question.token, limits: verifier.limits)
        let tenant = try await findTenant(question, decoded, store)
        let kind = question.kind ?? decoded.map { TokenKind.guess($0, appKey: tenant?.addonKey) } ?? .request
        // An assertion's aud is the authorization server, never a tenant: only its iss finds one.
        let clientKey = question.clientKey ?? tenant?.clientKey ?? (kind == .user ? nil : decoded?.tenantKey)
        var issuerOwner: String?
        if kind == .user, let tenant, let named = decoded.flatMap(Self.namedOAuthClientID),
           named != tenant.oauthClientId, let owner = try await store.tenant(oauthClientId: named) {
            issuerOwner = owner.clientKey
        }
        let expectation = Self.expectation(question, kind: kind, tenant: tenant, clientKey: clientKey, issuerOwner: issuerOwner)
        let lookup = clientKey.map { TenantKeyLookup.lookup(tenant, clientKey: $0) }
            ?? .unavailable(.unknownIssuer, kind == .user
                ? "no tenant in the store has the oauthClientId this assertion names: name the tenant to check it against"
                : "no tenant named, and the token names none")
        let report = verifier.verify(question.token, expecting: expectation, now: now) { _ in lookup }
        let history = clientKey == nil ? [] : try await store.secretHistory(clientKey: clientKey ?? "")
        return TokenExplanation(kind: kind, kindAssumed: question.kind == nil, clientKey: clientKey, report: report,
                                secretMatch: decoded.map { SecretMatch.find($0, in: history) })
    }

    /// Checks the token with a key from elsewhere (a secret file): the tenant's facts are
    /// unknown, so the checks that need them say they were not made.
    public func explain(_ question: Question, key lookup: KeyLookup, now: Int64) -> TokenExplanation {
        let decoded = try? ConnectToken.decode(question.token, limits: verifier.limits)
        let kind = question.kind ?? decoded.map { TokenKind.guess($0, appKey: nil) } ?? .request
        let expectation = Self.expectation(question, kind: kind, tenant: nil, clientKey: question.clientKey, issuerOwner: nil)
        let report = verifier.verify(question.token, expecting: expectation, now: now) { _ in lookup }
        return TokenExplanation(kind: kind, kindAssumed: question.kind == nil, clientKey: question.clientKey, report: report, secretMatch: nil)
    }

    /// The tenant named, else the one the token names: an assertion by its oauthClientId,
    /// other tokens by `aud` (app-issued) or `iss` (host-issued).
    private func findTenant(_ question: Question, _ decoded: ConnectToken?, _ store: any StoreReader) async throws(StoreError) -> Tenant? {
        if let clientKey = question.clientKey { return try await store.tenant(clientKey: clientKey) }
        guard let decoded else { return nil }
        if question.kind ?? .user == .user, let named = Self.namedOAuthClientID(decoded) {
            return try await store.tenant(oauthClientId: named)
        }
        guard let key = decoded.tenantKey else { return nil }
        return try await store.tenant(clientKey: key)
    }

    static func namedOAuthClientID(_ token: ConnectToken) -> String? {
        guard let issuer = token.issuer, issuer.hasPrefix(UserAssertion.issuerPrefix) else { return nil }
        return String(issuer.dropFirst(UserAssertion.issuerPrefix.count))
    }

    static func expectation(_ question: Question, kind: TokenKind, tenant: Tenant?, clientKey: String?,
                            issuerOwner: String?) -> TokenExpectation {
        func request(baseURL: String?) -> CanonicalRequest? {
            guard let url = question.url, !url.isEmpty else { return nil }
            let method = question.method.flatMap { $0.isEmpty ? nil : $0 } ?? "GET"
            return CanonicalRequest(method: method, url: url, baseURL: baseURL)
        }
        switch kind {
        case .request:
            return TokenExpectation(request: request(baseURL: question.baseURL), allowsContextQSH: question.allowsContextQSH,
                                    audience: clientKey.map { .tenant($0) } ?? .unchecked)
        case .outbound:
            return TokenExpectation(request: request(baseURL: question.baseURL ?? tenant?.baseUrl), kind: .outbound(appKey: tenant?.addonKey))
        case .user:
            var expected = tenant.map { UserAssertionExpectation(tenant: $0, issuerOwner: issuerOwner) } ?? UserAssertionExpectation()
            if tenant == nil { expected.clientKey = nil }
            return TokenExpectation(kind: .userAssertion(expected))
        }
    }
}
