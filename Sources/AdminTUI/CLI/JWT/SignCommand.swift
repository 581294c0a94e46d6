import AdminCore
import ArgumentParser

/// `connect-admin jwt sign`: a token for a request, as the host (or the app) would sign it.
struct SignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign", abstract: "Sign an HS256 Connect token for a request.",
        discussion: "Prints the token alone on stdout, ready for `Authorization: JWT <token>`.")

    @OptionGroup var secret: SecretSource
    @OptionGroup var request: RequestOptions
    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "The iss claim (the tenant's clientKey for host → app tokens, the app key for app → host tokens).")
    var iss: String?

    @Option(help: "Seconds until the token expires.")
    var ttl: Int64 = 180

    @Flag(name: .customLong("context-qsh"), help: "Sign a context token (qsh \"context-qsh\") instead of binding it to the request.")
    var contextQSH = false

    @Option(help: "The sub claim (the user's account id).")
    var sub: String?

    @Option(help: "The aud claim (the tenant's clientKey, for tokens the app issues).")
    var aud: String?

    @Option(help: "Sign as of this Unix time instead of now.")
    var now: Int64?

    @Flag(help: "Print one JSON object with the token, canonical request, qsh, iat and exp.")
    var json = false

    func validate() throws {
        try secret.validateExclusive()
        guard ttl > 0 && ttl <= 86_400 * 365 else { throw ValidationError("--ttl must be between 1 and 31536000 seconds") }
    }

    func run() async throws {
        let key: SharedSecret
        let issuer: String
        if let tenantKey = secret.tenant {
            let tenant = try await storeOptions.withReader { try await $0.tenant(clientKey: tenantKey) }
            guard let tenant else { throw CLIFailure.negative("no tenant \(Sanitized.quote(tenantKey)) in \(try storeOptions.location)") }
            key = tenant.sharedSecret
            issuer = iss ?? tenant.clientKey
        } else {
            guard let fileSecret = try secret.secretFromFile() else {
                throw CLIFailure.usage("give --secret-file F (with --iss) or --tenant KEY to choose the signing secret")
            }
            guard let iss, !iss.isEmpty else { throw CLIFailure.usage("--secret-file needs --iss: the clientKey or app key the token speaks for") }
            key = fileSecret
            issuer = iss
        }
        let canonical = try request.canonicalRequest(required: !contextQSH)
        let claims = ConnectClaims(issuer: issuer, subject: sub, audience: aud, issuedAt: now ?? UnixTime.now(), ttl: ttl,
                                   request: contextQSH ? nil : canonical)
        let token = ConnectTokenSigner.hs256(claims: claims.object, secret: key)
        if json {
            var object = JSONObject([
                "token": .string(token), "qsh": .string(claims.object["qsh"]?.stringValue ?? ""),
                "iat": .integer(claims.issuedAt), "exp": .integer(claims.expiresAt),
            ])
            if let canonical, !contextQSH { object["canonical"] = .string(canonical.text) }
            Standard.output(JSONValue.object(object).jsonText())
        } else {
            Standard.output(token)
        }
    }
}
