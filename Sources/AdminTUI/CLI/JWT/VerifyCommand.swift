import AdminCore
import ArgumentParser

/// `connect-admin jwt verify`: the server's verifier, with every check explained.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Verify a Connect token and explain every check.",
        discussion: "Exit 0 when the token is valid, 1 when it is not, 2 on usage errors.")

    @Argument(help: "The token, or '-' to read it from stdin.")
    var token: String

    @OptionGroup var request: RequestOptions
    @OptionGroup var secret: SecretSource
    @OptionGroup var storeOptions: StoreOptions

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

    func run() async throws {
        let text = try TokenArgument.read(token)
        let verifier = ConnectTokenVerifier(leeway: leeway, minimumSecretBytes: 1)
        var expectation = TokenExpectation(request: try request.canonicalRequest(required: false), allowsContextQSH: allowContextQSH)
        let lookup: KeyLookup
        var history: [SecretHistoryEntry] = []
        if let tenantKey = secret.tenant {
            let (tenant, secrets) = try await storeOptions.withReader { store in
                (try await store.tenant(clientKey: tenantKey), try await store.secretHistory(clientKey: tenantKey))
            }
            history = secrets
            expectation.audience = .tenant(tenantKey)
            lookup = TenantKeyLookup.lookup(tenant, clientKey: tenantKey)
        } else if let key = try secret.secretFromFile() {
            lookup = .found(.sharedSecret(key), source: "secret from \(secret.secretFile ?? "file") (\(key.fingerprint))")
        } else {
            lookup = .unavailable(.unknownIssuer, "no key given: pass --secret-file F or --tenant KEY to check the signature")
        }
        let report = verifier.verify(text, expecting: expectation, now: now ?? UnixTime.now()) { _ in lookup }
        let match = (try? ConnectToken.decode(text)).map { SecretMatch.find($0, in: history) }
        if json {
            var object = ReportRendering.json(report)
            if secret.tenant != nil, let match, case .object(var fields) = object {
                fields["secretMatch"] = Self.json(match)
                object = .object(fields)
            }
            Standard.output(object.jsonText())
        } else {
            Standard.output(ReportRendering.text(report))
            if secret.tenant != nil, let match { Standard.output(Self.sentence(match)) }
            if expectation.request == nil {
                Standard.output("qsh not checked: pass --method and --url to bind the token to a request")
            }
        }
        if !report.valid { throw CLIFailure.negative() }
    }

    static func json(_ match: SecretMatch) -> JSONValue {
        switch match {
        case .current(let fingerprint):
            return .object(JSONObject(["answer": .string("current"), "fingerprint": .string(fingerprint)]))
        case .stale(let fingerprint, let from, let until):
            return .object(JSONObject(["answer": .string("stale"), "fingerprint": .string(fingerprint),
                                       "currentFrom": .string(RecordRendering.iso(from)), "replacedAt": .string(RecordRendering.iso(until))]))
        case .none:
            return .object(JSONObject(["answer": .string("unknown")]))
        }
    }

    static func sentence(_ match: SecretMatch) -> String {
        "secret match       " + RecordRendering.secretMatch(match)
    }
}
