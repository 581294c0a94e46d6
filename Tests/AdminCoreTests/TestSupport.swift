import AdminCore
import ConnectCore
import Foundation

/// Paths and fixtures shared by the AdminCore tests.
enum TestSupport {
    /// The package root (this file is Tests/AdminCoreTests/TestSupport.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Test data kept in the repository (`Tests/Fixtures`), each with its source named there.
    static let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures")

    /// A 32-byte secret, the smallest the server accepts.
    static let secret = SharedSecret("0123456789abcdef0123456789abcdef")
    static let clientKey = "jira:11111111-2222-3333-4444-555555555555"
    static let now: Int64 = 1_700_000_000

    static func request(_ method: String = "GET", _ url: String = "/rest/api/3/issue?expand=names") -> CanonicalRequest {
        CanonicalRequest(method: method, url: url)
    }

    /// A valid host → app token for `request` at `now`.
    static func validToken(request: CanonicalRequest = request(), secret: SharedSecret = secret,
                           issuedAt: Int64 = now, ttl: Int64 = 180, extra: JSONObject = JSONObject()) -> String {
        ConnectTokenSigner.hs256(
            claims: ConnectClaims(issuer: clientKey, issuedAt: issuedAt, ttl: ttl, request: request, extra: extra).object,
            secret: secret)
    }

    static let verifier = ConnectTokenVerifier()

    /// Verifies as the server would for a host → app request on `request`.
    static func verify(_ token: String, request: CanonicalRequest? = request(), secret: SharedSecret = secret,
                       now: Int64 = now, verifier: ConnectTokenVerifier = verifier) -> VerificationReport {
        verifier.verify(token, expecting: TokenExpectation(request: request, audience: .tenant(clientKey)), now: now) { token in
            token.tenantKey == clientKey ? .found(.sharedSecret(secret), source: "tenant \(clientKey)")
                                         : .unavailable(.unknownIssuer, "no tenant \(token.tenantKey ?? "?")")
        }
    }

    /// Base64url of a UTF-8 string.
    static func b64(_ text: String) -> String { Base64URL.encode(Array(text.utf8)) }
}
