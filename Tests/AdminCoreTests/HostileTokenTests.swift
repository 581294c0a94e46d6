import AdminCore
import ConnectCore
import Foundation
import Testing

/// Tokens an attacker or a broken client sends. Each case names the exact reason code the
/// verifier must give first; none may verify.
@Suite struct HostileTokenTests {
    typealias T = TestSupport

    /// A token from raw header and claims JSON text, HS256-signed with `secret` over exactly
    /// those bytes, so that only the defect under test can fail.
    static func forge(header: String = #"{"alg":"HS256","typ":"JWT"}"#, claims: String = validClaims,
                      secret: SharedSecret = T.secret) -> String {
        let input = T.b64(header) + "." + T.b64(claims)
        return input + "." + Base64URL.encode(HS256.authenticationCode(for: Array(input.utf8), secret: secret))
    }

    static let qsh = T.request().queryStringHash
    static let validClaims = #"{"exp":1700000180,"iat":1700000000,"iss":"\#(T.clientKey)","qsh":"\#(qsh)"}"#

    static func claims(replacing key: String, with json: String?) -> String {
        var parts = [
            "exp": "1700000180", "iat": "1700000000", "iss": "\"\(T.clientKey)\"", "qsh": "\"\(qsh)\"",
        ]
        parts[key] = json
        return "{" + parts.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
    }

    static let valid = forge()

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let token: String
        let reason: ReasonCode
        var testDescription: String { name }
    }

    /// As deep as still fits in 8 KiB once encoded; depth 5000 itself is tested below.
    static let deep = String(repeating: "[", count: 2500) + String(repeating: "]", count: 2500)
    static let otherSecret = SharedSecret("ffffffffffffffffffffffffffffffff-other")

    static let cases: [Case] = [
        // Algorithms
        Case(name: "alg none, no signature", token: T.b64(#"{"alg":"none"}"#) + "." + T.b64(validClaims) + ".", reason: .unsupportedAlgorithm),
        Case(name: "alg None", token: forge(header: #"{"alg":"None"}"#), reason: .unsupportedAlgorithm),
        Case(name: "alg NONE", token: forge(header: #"{"alg":"NONE"}"#), reason: .unsupportedAlgorithm),
        Case(name: "alg none with a valid HMAC", token: forge(header: #"{"alg":"none"}"#), reason: .unsupportedAlgorithm),
        Case(name: "alg confusion: RS256 header, HMAC signature", token: forge(header: #"{"alg":"RS256","typ":"JWT"}"#), reason: .unsupportedAlgorithm),
        Case(name: "alg hs256 (lower case)", token: forge(header: #"{"alg":"hs256"}"#), reason: .unsupportedAlgorithm),
        Case(name: "alg HS512", token: forge(header: #"{"alg":"HS512"}"#), reason: .unsupportedAlgorithm),
        Case(name: "missing alg", token: forge(header: #"{"typ":"JWT"}"#), reason: .unsupportedAlgorithm),
        Case(name: "alg is a number", token: forge(header: #"{"alg":256}"#), reason: .unsupportedAlgorithm),
        // Forbidden header parameters
        Case(name: "crit header", token: forge(header: #"{"alg":"HS256","crit":["exp"]}"#), reason: .unsupportedHeader),
        Case(name: "jku header", token: forge(header: #"{"alg":"HS256","jku":"https://evil.example/keys"}"#), reason: .unsupportedHeader),
        Case(name: "x5u header", token: forge(header: #"{"alg":"HS256","x5u":"https://evil.example/cert"}"#), reason: .unsupportedHeader),
        Case(name: "jwk header", token: forge(header: #"{"alg":"HS256","jwk":{"kty":"oct","k":"AAAA"}}"#), reason: .unsupportedHeader),
        Case(name: "x5c header", token: forge(header: #"{"alg":"HS256","x5c":["MIIB"]}"#), reason: .unsupportedHeader),
        // Structure
        Case(name: "1 segment", token: T.b64(#"{"alg":"HS256"}"#), reason: .malformedToken),
        Case(name: "2 segments", token: T.b64(#"{"alg":"HS256"}"#) + "." + T.b64(validClaims), reason: .malformedToken),
        Case(name: "4 segments", token: valid + ".AAAA", reason: .malformedToken),
        Case(name: "empty header segment", token: "." + T.b64(validClaims) + ".AAAA", reason: .malformedToken),
        Case(name: "empty claims segment", token: T.b64(#"{"alg":"HS256"}"#) + "..AAAA", reason: .malformedToken),
        Case(name: "all segments empty", token: "..", reason: .malformedToken),
        Case(name: "whitespace inside", token: valid.replacingOccurrences(of: ".", with: ". "), reason: .malformedToken),
        Case(name: "trailing newline", token: valid + "\n", reason: .malformedToken),
        Case(name: "header is not JSON", token: forge(header: "alg=HS256"), reason: .malformedToken),
        Case(name: "header is an array", token: forge(header: #"["HS256"]"#), reason: .malformedToken),
        Case(name: "claims are not JSON", token: forge(claims: "hello"), reason: .malformedToken),
        Case(name: "claims are an array", token: forge(claims: #"[{"iss":"x"}]"#), reason: .malformedToken),
        Case(name: "claims are a string", token: forge(claims: #""claims""#), reason: .malformedToken),
        Case(name: "claims with trailing data", token: forge(claims: validClaims + "{}"), reason: .malformedToken),
        Case(name: "duplicate claim names", token: forge(claims: #"{"iss":"\#(T.clientKey)","iss":"jira:other","exp":1700000180,"iat":1700000000,"qsh":"\#(qsh)"}"#), reason: .malformedToken),
        Case(name: "duplicate header names", token: forge(header: #"{"alg":"HS256","alg":"none"}"#), reason: .malformedToken),
        Case(name: "depth-2500 JSON", token: forge(claims: #"{"iss":"x","context":\#(deep)}"#), reason: .malformedToken),
        Case(name: "invalid UTF-8 in a claim", token: T.b64(#"{"alg":"HS256"}"#) + "." + Base64URL.encode(Array(#"{"iss":""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8)) + ".AAAA", reason: .malformedToken),
        Case(name: "lone surrogate escape", token: forge(claims: #"{"iss":"\ud800"}"#), reason: .malformedToken),
        Case(name: "8 MiB token", token: String(repeating: "A", count: 8 << 20), reason: .tokenTooLarge),
        Case(name: "8 KiB + 1 token", token: valid + "." + String(repeating: "A", count: 8193 - valid.utf8.count - 1), reason: .tokenTooLarge),
        // Claim types
        Case(name: "exp as string", token: forge(claims: claims(replacing: "exp", with: #""1700000180""#)), reason: .claimType),
        Case(name: "exp as bool", token: forge(claims: claims(replacing: "exp", with: "true")), reason: .claimType),
        Case(name: "exp 1e300", token: forge(claims: claims(replacing: "exp", with: "1e300")), reason: .claimType),
        Case(name: "exp negative", token: forge(claims: claims(replacing: "exp", with: "-1")), reason: .claimType),
        Case(name: "exp fractional", token: forge(claims: claims(replacing: "exp", with: "1700000180.5")), reason: .claimType),
        Case(name: "iat as string", token: forge(claims: claims(replacing: "iat", with: #""now""#)), reason: .claimType),
        Case(name: "iat as bool", token: forge(claims: claims(replacing: "iat", with: "false")), reason: .claimType),
        Case(name: "iat 1e300", token: forge(claims: claims(replacing: "iat", with: "1e300")), reason: .claimType),
        Case(name: "iat negative", token: forge(claims: claims(replacing: "iat", with: "-1700000000")), reason: .claimType),
        Case(name: "iss as number", token: forge(claims: claims(replacing: "iss", with: "42")), reason: .claimType),
        // Missing claims
        Case(name: "missing exp", token: forge(claims: claims(replacing: "exp", with: nil)), reason: .missingClaim),
        Case(name: "missing iat", token: forge(claims: claims(replacing: "iat", with: nil)), reason: .missingClaim),
        Case(name: "missing iss", token: forge(claims: claims(replacing: "iss", with: nil)), reason: .missingClaim),
        Case(name: "missing qsh", token: forge(claims: claims(replacing: "qsh", with: nil)), reason: .missingQSH),
        // Time
        Case(name: "expired", token: forge(claims: claims(replacing: "exp", with: "1699999000")), reason: .expired),
        Case(name: "future nbf", token: forge(claims: #"{"exp":1700000180,"iat":1700000000,"iss":"\#(T.clientKey)","nbf":1700000600,"qsh":"\#(qsh)"}"#), reason: .notYetValid),
        Case(name: "future iat", token: forge(claims: claims(replacing: "iat", with: "1700000100")), reason: .issuedInFuture),
        // Signatures
        Case(name: "truncated signature", token: String(valid.dropLast(11)), reason: .badSignature),
        Case(name: "bit-flipped signature", token: flipSignatureBit(valid), reason: .badSignature),
        Case(name: "signature of another token", token: String(valid.split(separator: ".")[0...1].joined(separator: ".")) + "." + String(forge(claims: claims(replacing: "exp", with: "1700000170")).split(separator: ".")[2]), reason: .badSignature),
        Case(name: "signed with another secret", token: forge(secret: otherSecret), reason: .badSignature),
        // Issuer and audience
        Case(name: "another tenant's valid token", token: forge(claims: #"{"exp":1700000180,"iat":1700000000,"iss":"jira:other-tenant","qsh":"\#(qsh)"}"#, secret: otherSecret), reason: .unknownIssuer),
        // kid
        Case(name: "kid ../", token: forge(header: #"{"alg":"HS256","kid":"../../etc/passwd"}"#), reason: .invalidKid),
        Case(name: "kid /", token: forge(header: #"{"alg":"HS256","kid":"a/b"}"#), reason: .invalidKid),
        Case(name: "kid %", token: forge(header: #"{"alg":"HS256","kid":"%2e%2e"}"#), reason: .invalidKid),
        Case(name: "kid ?", token: forge(header: #"{"alg":"HS256","kid":"key?x=1"}"#), reason: .invalidKid),
        Case(name: "kid as number", token: forge(header: #"{"alg":"HS256","kid":7}"#), reason: .invalidKid),
        // qsh
        Case(name: "qsh of another request", token: forge(claims: claims(replacing: "qsh", with: "\"\(T.request("GET", "/rest/api/3/issue").queryStringHash)\"")), reason: .qshMismatch),
        Case(name: "context-qsh on a request route", token: forge(claims: claims(replacing: "qsh", with: #""context-qsh""#)), reason: .contextQSHNotAllowed),
    ]

    static func flipSignatureBit(_ token: String) -> String {
        let parts = token.split(separator: ".")
        var signature = Base64URL.decode(Array(parts[2].utf8)) ?? []
        signature[5] ^= 0x10
        return parts[0] + "." + parts[1] + "." + Base64URL.encode(signature)
    }

    @Test func theValidBaselineVerifies() {
        let report = T.verify(Self.valid)
        #expect(report.valid, "\(report.failures)")
    }

    @Test func suiteIsLargeAndCoversReasons() {
        #expect(Self.cases.count >= 40)
        #expect(Set(Self.cases.map(\.reason)).count >= 14)
    }

    @Test(arguments: cases)
    func hostileToken(_ hostile: Case) {
        let report = T.verify(hostile.token)
        #expect(!report.valid)
        #expect(report.firstFailure?.reason == hostile.reason, "\(report.failures.map { "\($0.reason?.rawValue ?? "-"): \($0.detail)" })")
    }

    @Test func oversizedTokenIsRejectedBeforeDecoding() {
        let report = T.verify(String(repeating: "e", count: 8 << 20))
        #expect(report.checks.map(\.name) == [.format])
        #expect(report.header == nil)
        #expect(report.tokenFingerprint == "oversized")
    }

    @Test func emptyAndShortSecretsAreInsecure() {
        #expect(T.verify(Self.forge(secret: SharedSecret("")), secret: SharedSecret("")).firstFailure?.reason == .insecureSecret)
        let short = SharedSecret("short-secret")
        let report = T.verify(Self.forge(secret: short), secret: short)
        #expect(report.firstFailure?.reason == .insecureSecret)
        // The signature itself is fine: only the policy refuses it.
        #expect(report.checks.first { $0.name == .signature }?.ok == true)
        // A lenient verifier (the CLI) accepts a short but non-empty secret...
        let lenient = ConnectTokenVerifier(minimumSecretBytes: 1)
        #expect(T.verify(Self.forge(secret: short), secret: short, verifier: lenient).valid)
        // ...but never an empty one.
        #expect(!T.verify(Self.forge(secret: SharedSecret("")), secret: SharedSecret(""), verifier: ConnectTokenVerifier(minimumSecretBytes: 0)).valid)
    }

    @Test func hs256TokenOnAnRS256RouteIsAlgorithmConfusion() throws {
        let keys = try TestKeys.make()
        let report = ConnectTokenVerifier().verify(Self.valid, expecting: TokenExpectation(algorithm: .rs256, request: T.request()),
                                                   now: T.now) { _ in .found(keys.signingKey, source: "install key") }
        #expect(!report.valid)
        #expect(report.firstFailure?.reason == .unsupportedAlgorithm)
    }

    @Test func wrongAudienceIsRefused() {
        let token = Self.forge(claims: #"{"aud":"jira:someone-else","exp":1700000180,"iat":1700000000,"iss":"\#(T.clientKey)","qsh":"\#(Self.qsh)"}"#)
        let report = ConnectTokenVerifier().verify(token, expecting: TokenExpectation(request: T.request(), audience: .tenant(T.clientKey)),
                                                   now: T.now) { _ in .found(.sharedSecret(T.secret), source: "by iss") }
        #expect(report.firstFailure?.reason == .wrongAudience)
        let arrayAudience = Self.forge(claims: #"{"aud":["\#(T.clientKey)"],"exp":1700000180,"iat":1700000000,"iss":"app-key","qsh":"\#(Self.qsh)"}"#)
        #expect(T.verify(arrayAudience).valid)
    }

    @Test func everyFailureIsReportedNotJustTheFirst() {
        let token = Self.forge(claims: #"{"exp":1699990000,"iat":1699989000,"iss":"\#(T.clientKey)","qsh":"\#(T.request("GET", "/rest/api/3/issue").queryStringHash)"}"#)
        let report = T.verify(token)
        #expect(report.failures.compactMap(\.reason) == [.expired, .qshMismatch])
        let expired = report.failures[0].detail
        #expect(expired == "token expired 10000 s ago (leeway 60 s)")
        #expect(report.qshSignedFor == "GET&/rest/api/3/issue&")
        #expect(report.failures[1].detail == "qsh mismatch: token was signed for `GET&/rest/api/3/issue&`, this request is `GET&/rest/api/3/issue&expand=names`")
    }

    @Test func depth5000IsRefusedByTheParserWithoutExhaustingTheStack() {
        let deep5000 = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        #expect(throws: StrictJSONParser.Failure.self) { try StrictJSONParser(maxDepth: 16).parse(Array(deep5000.utf8)) }
        // Through the verifier too, with the size limit raised so the depth limit is what trips.
        let token = Self.forge(claims: #"{"iss":"x","context":\#(deep5000)}"#)
        let roomy = ConnectTokenVerifier(limits: ConnectToken.Limits(maxTokenBytes: 1 << 20))
        let report = T.verify(token, verifier: roomy)
        #expect(report.firstFailure?.reason == .malformedToken)
        #expect(report.firstFailure?.detail.contains("nested deeper than 16") == true)
    }

    @Test func qshDiagnosisFindsAnotherMethod() {
        let token = Self.forge(claims: Self.claims(replacing: "qsh", with: "\"\(T.request("POST").queryStringHash)\""))
        #expect(T.verify(token).qshSignedFor == "POST&/rest/api/3/issue&expand=names")
    }

    @Test func hostileStringsInDetailsAreEscaped() {
        let token = Self.forge(header: "{\"alg\":\"\\u001b]0;pwned\\u0007\"}")
        let report = T.verify(token)
        let detail = report.failures.first?.detail ?? ""
        #expect(!detail.unicodeScalars.contains { $0.value < 0x20 })
        #expect(detail.contains("\\x1b]0;pwned\\x07"))
    }
}
