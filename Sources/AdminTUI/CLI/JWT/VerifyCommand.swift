import AdminCore
import CommandLineSupport
import ConnectCore
import ArgumentParser

/// `connect-admin jwt verify`: the server's verifier, with every check explained.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Verify a Connect token or an act-as-user assertion and explain every check.",
        discussion: """
            Exit 0 when the token is valid, 1 when it is not, 2 on usage errors, 3 when the store cannot be read.
            Without --kind the kind is read off the token (an iss of urn:atlassian:connect:clientid:… is a user assertion, \
            the tenant's app key an outbound token) and the output says which it assumed.
            """)

    @Argument(help: "The token, or '-' to read it from stdin.")
    var token: String

    @OptionGroup var request: RequestOptions
    @OptionGroup var secret: SecretSource
    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "Check it as a request, outbound or user token (default: what the token looks like).")
    var kind: TokenKind?

    @Option(help: "Verify as of this Unix time instead of now.")
    var now: Int64?

    @Option(help: "Seconds of clock skew tolerated on exp, nbf and iat.")
    var leeway: Int64 = 60

    @Flag(name: .customLong("allow-context-qsh"), help: "Accept a context token (qsh \"context-qsh\"), as routes called from the app's pages do.")
    var allowContextQSH = false

    @Flag(help: "Print one JSON object: {\"valid\", \"kind\", \"checks\", \"header\", \"claims\", …}.")
    var json = false

    func validate() throws {
        try secret.validateExclusive()
        guard leeway >= 0 && leeway <= 3600 else { throw ValidationError("--leeway must be between 0 and 3600 seconds") }
        if let problem = UnixTime.problem(now, option: "--now") { throw ValidationError(problem) }
    }

    func run() async throws {
        let text = try TokenArgument.read(token)
        let inspector = TokenInspector(verifier: ConnectTokenVerifier(leeway: leeway, minimumSecretBytes: 1))
        let canonical = try request.canonicalRequest(required: false)
        let question = TokenInspector.Question(token: text, kind: kind, clientKey: secret.tenant, method: canonical?.method,
                                               url: request.url, baseURL: request.baseURL, allowsContextQSH: allowContextQSH)
        let at = now ?? UnixTime.now()
        let explanation: TokenExplanation
        if secret.tenant != nil {
            explanation = try await storeOptions.withReader { try await inspector.explain(question, store: $0, now: at) }
        } else if let key = try secret.secretFromFile() {
            explanation = inspector.explain(question, key: .found(.sharedSecret(key), source: "secret from \(secret.secretFile ?? "file") (\(key.fingerprint))"), now: at)
        } else {
            explanation = inspector.explain(question, key: .unavailable(.unknownIssuer, "no key given: pass --secret-file F or --tenant KEY to check the signature"), now: at)
        }
        let report = explanation.report
        if json {
            Standard.output(ReportRendering.json(explanation).jsonText())
        } else {
            Standard.output(ReportRendering.text(explanation))
        }
        if !report.valid { throw CommandFailure.negative() }
    }
}
