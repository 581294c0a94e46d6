import AdminCore
import CommandLineSupport
import ConnectCore
import ArgumentParser

extension TokenKind: ExpressibleByArgument {}

/// `connect-admin jwt sign`: a token as the host, the app, or the app acting as a user would
/// sign it.
struct SignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign", abstract: "Sign an HS256 Connect token: a request token, an app → host token, or an act-as-user assertion.",
        discussion: """
            Prints the token alone on stdout, ready for `Authorization: JWT <token>`.
            --kind request (default): host → app, iss the tenant's clientKey, qsh of --method/--url.
            --kind outbound: app → host, iss the app key, qsh of --method/--url relative to the tenant's baseUrl (needs --tenant).
            --kind user: the OAuth 2.0 JWT-bearer assertion for acting as --account-id (needs --tenant; no qsh; lives at most 60 s).
            """)

    @OptionGroup var secret: SecretSource
    @OptionGroup var request: RequestOptions
    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "request, outbound or user.")
    var kind: TokenKind = .request

    @Option(help: "The iss claim (the tenant's clientKey for host → app tokens, the app key for app → host tokens).")
    var iss: String?

    @Option(help: "Seconds until the token expires (default 180; 60 and at most 60 for --kind user).")
    var ttl: Int64?

    @Flag(name: .customLong("context-qsh"), help: "Sign a context token (qsh \"context-qsh\") instead of binding it to the request.")
    var contextQSH = false

    @Option(help: "The sub claim (the user's account id).")
    var sub: String?

    @Option(help: "The aud claim (the tenant's clientKey, for tokens the app issues).")
    var aud: String?

    @Option(name: .customLong("account-id"), help: "With --kind user: the Atlassian account id of the user to act as.")
    var accountID: String?

    @Option(help: "With --kind user and --json: the scopes the printed exchange asks for (default READ ACT_AS_USER).")
    var scope: [String] = []

    @Option(help: "Sign as of this Unix time instead of now.")
    var now: Int64?

    @Flag(help: "Print one JSON object with the token and its claims (request kinds: canonical request and qsh; user: the exchange as a curl line).")
    var json = false

    func validate() throws {
        try secret.validateExclusive()
        if let ttl, ttl <= 0 || ttl > 86_400 * 365 { throw ValidationError("--ttl must be between 1 and 31536000 seconds") }
        if let problem = UnixTime.problem(now, option: "--now") { throw ValidationError(problem) }
        switch kind {
        case .user:
            guard accountID != nil else { throw ValidationError("--kind user needs --account-id: the account id of the user to act as") }
            guard secret.tenant != nil else { throw ValidationError("--kind user signs from the store: give --tenant KEY (its secret, oauthClientId and baseUrl)") }
            if let ttl, ttl > UserAssertion.maximumLifetime {
                throw ValidationError("--ttl for --kind user is at most \(UserAssertion.maximumLifetime) s: the authorization server refuses longer-lived assertions")
            }
            if contextQSH || iss != nil || sub != nil || aud != nil || request.method != nil || request.url != nil {
                throw ValidationError("--kind user takes its claims from the store: drop --iss, --sub, --aud, --context-qsh, --method and --url")
            }
        case .outbound:
            if !scope.isEmpty || accountID != nil { throw ValidationError("--scope and --account-id are for --kind user") }
            guard secret.tenant != nil else { throw ValidationError("--kind outbound signs from the store: give --tenant KEY (its secret, app key and baseUrl)") }
        case .request:
            if !scope.isEmpty || accountID != nil { throw ValidationError("--scope and --account-id are for --kind user; for a request token's user, give --sub") }
        }
    }

    func run() async throws {
        let issuedAt = now ?? UnixTime.now()
        if kind == .user {
            try await signAssertion(issuedAt: issuedAt)
            return
        }
        let key: SharedSecret
        let claims: ConnectClaims
        let ttl = self.ttl ?? 180
        if let tenant = try await storeTenant() {
            do {
                key = try tenant.sharedSecret
            } catch {
                throw CommandFailure.secret(error)
            }
            if kind == .outbound {
                // qsh of the host request: its path relative to the tenant's baseUrl.
                let canonical = try request.canonicalRequest(required: !contextQSH).map {
                    CanonicalRequest(method: $0.method, url: request.url ?? "/", baseURL: request.baseURL ?? tenant.baseUrl)
                }
                claims = ConnectClaims(issuer: iss ?? tenant.addonKey, subject: sub, audience: aud ?? tenant.clientKey,
                                       issuedAt: issuedAt, ttl: ttl, request: canonical)
            } else {
                claims = ConnectClaims(issuer: iss ?? tenant.clientKey, subject: sub, audience: aud, issuedAt: issuedAt, ttl: ttl,
                                       request: contextQSH ? nil : try request.canonicalRequest(required: true))
            }
        } else {
            guard let fileSecret = try secret.secretFromFile() else {
                throw CommandFailure.usage("give --secret-file F (with --iss) or --tenant KEY to choose the signing secret")
            }
            guard let iss, !iss.isEmpty else { throw CommandFailure.usage("--secret-file needs --iss: the clientKey or app key the token speaks for") }
            key = fileSecret
            claims = ConnectClaims(issuer: iss, subject: sub, audience: aud, issuedAt: issuedAt, ttl: ttl,
                                   request: contextQSH ? nil : try request.canonicalRequest(required: true))
        }
        let token = ConnectTokenSigner.hs256(claims: claims.object, secret: key)
        guard json else { return Standard.output(token) }
        var object = JSONObject([
            "token": .string(token), "kind": .string(kind.rawValue), "qsh": .string(claims.object["qsh"]?.stringValue ?? ""),
            "iat": .integer(claims.issuedAt), "exp": .integer(claims.expiresAt), "claims": .object(claims.object),
        ])
        if let canonical = claims.request { object["canonical"] = .string(canonical.text) }
        Standard.output(JSONValue.object(object).jsonText())
    }

    /// The act-as-user assertion: every claim from the tenant row.
    private func signAssertion(issuedAt: Int64) async throws {
        guard let tenant = try await storeTenant(), let accountID else { return }
        let signed: UserAssertion.Signed
        do {
            signed = try UserAssertion.sign(for: tenant, accountId: accountID, issuedAt: issuedAt, ttl: ttl ?? UserAssertion.maximumLifetime)
        } catch {
            throw CommandFailure.negative(error.description)
        }
        let (token, claims) = (signed.token, signed.claims)
        guard json else { return Standard.output(token) }
        let exchange: TokenExchange
        do {
            exchange = try TokenExchange(assertion: token, scopes: scope.isEmpty ? UserAssertion.defaultScopes : scope)
        } catch {
            throw CommandFailure.usage(error.description)
        }
        Standard.output(JSONValue.object(JSONObject([
            "token": .string(token), "kind": .string(kind.rawValue), "claims": .object(claims),
            "exchange": .object(JSONObject([
                "url": .string(exchange.url), "grantType": .string(UserAssertion.grantType), "curl": .string(exchange.curl),
            ])),
        ])).jsonText())
    }

    /// The tenant named by `--tenant`, or `nil` when the secret comes from a file.
    private func storeTenant() async throws -> Tenant? {
        guard let tenantKey = secret.tenant else { return nil }
        let tenant = try await storeOptions.withReader { try await $0.tenant(clientKey: tenantKey) }
        guard let tenant else { throw CommandFailure.negative("no tenant \(Sanitized.quote(tenantKey)) in \(try storeOptions.location)") }
        return tenant
    }
}
