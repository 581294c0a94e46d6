import AdminCore
import ArgumentParser

/// `connect-admin jwt verify`: the server's verifier, with every check explained.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Verify a Connect token and explain every check.",
        discussion: "Exit 0 when the token is valid, 1 when it is not, 2 on usage errors.")

    @Argument(help: "The token, or '-' to read it from stdin.")
    var token: String

    @OptionGroup var request: RequestOptions
    @OptionGroup var secret: SecretSource

    @Option(help: "Verify as of this Unix time instead of now.")
    var now: Int64?

    @Option(help: "Seconds of clock skew tolerated on exp, nbf and iat.")
    var leeway: Int64 = 60

    @Flag(name: .customLong("allow-context-qsh"), help: "Accept a context token (qsh \"context-qsh\"), as routes called from the app's pages do.")
    var allowContextQSH = false

    @Flag(help: "Print one JSON object: {\"valid\", \"checks\", \"header\", \"claims\", …}.")
    var json = false

    func validate() throws {
        try secret.validateExclusive()
        guard leeway >= 0 && leeway <= 3600 else { throw ValidationError("--leeway must be between 0 and 3600 seconds") }
    }

    func run() throws {
        if secret.tenant != nil {
            throw CLIFailure.usage("--tenant needs the store, which this build does not have yet: use --secret-file F")
        }
        let text = try TokenArgument.read(token)
        let key = try secret.secretFromFile()
        let expectation = TokenExpectation(request: try request.canonicalRequest(required: false), allowsContextQSH: allowContextQSH)
        let verifier = ConnectTokenVerifier(leeway: leeway, minimumSecretBytes: 1)
        let report = verifier.verify(text, expecting: expectation, now: now ?? UnixTime.now()) { _ in
            guard let key else {
                return .unavailable(.unknownIssuer, "no key given: pass --secret-file F (or --tenant KEY) to check the signature")
            }
            return .found(.sharedSecret(key), source: "secret from \(secret.secretFile ?? "file") (\(key.fingerprint))")
        }
        if json {
            Standard.output(ReportRendering.json(report).jsonText())
        } else {
            Standard.output(ReportRendering.text(report))
            if expectation.request == nil {
                Standard.output("qsh not checked: pass --method and --url to bind the token to a request")
            }
        }
        if !report.valid { throw CLIFailure.negative() }
    }
}
