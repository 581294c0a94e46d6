import Crypto
import CryptoExtras

/// Signs Connect tokens. Output is deterministic: header and claims are written with sorted
/// keys and whole-second times, so the same inputs always give the same token (tests and
/// fingerprints rely on it).
public enum ConnectTokenSigner {
    /// An HS256 token over `claims` with a tenant's shared secret.
    public static func hs256(claims: JSONObject, secret: SharedSecret, kid: String? = nil) -> String {
        var header = JSONObject(["alg": .string("HS256"), "typ": .string("JWT")])
        if let kid { header["kid"] = .string(kid) }
        let signingInput = signingInput(header: header, claims: claims)
        let mac = HS256.authenticationCode(for: Array(signingInput.utf8), secret: secret)
        return signingInput + "." + Base64URL.encode(mac)
    }

    /// An RS256 token, as a Connect host signs install callbacks (used by the host simulator
    /// and by tests; the app itself never holds an install private key).
    public static func rs256(claims: JSONObject, privateKey: _RSA.Signing.PrivateKey, kid: String) throws -> String {
        let header = JSONObject(["alg": .string("RS256"), "kid": .string(kid), "typ": .string("JWT")])
        let signingInput = signingInput(header: header, claims: claims)
        let signature = try privateKey.signature(for: SHA256.hash(data: Array(signingInput.utf8)), padding: .insecurePKCS1v1_5)
        return signingInput + "." + Base64URL.encode(Array(signature.rawRepresentation))
    }

    /// `base64url(header) "." base64url(claims)` with sorted keys.
    public static func signingInput(header: JSONObject, claims: JSONObject) -> String {
        Base64URL.encode(Array(JSONValue.object(header).jsonText(sortedKeys: true).utf8)) + "."
            + Base64URL.encode(Array(JSONValue.object(claims).jsonText(sortedKeys: true).utf8))
    }
}

/// The claims of a Connect token for one request: `iss`, `iat`, `exp`, `qsh`, and `sub`/`aud`
/// when given.
public struct ConnectClaims: Sendable {
    public var issuer: String
    public var subject: String?
    public var audience: String?
    public var issuedAt: Int64
    public var expiresAt: Int64
    /// The request's canonical form, or `nil` for a context token (`qsh: "context-qsh"`).
    public var request: CanonicalRequest?
    /// Extra claims (e.g. `context`), written as given.
    public var extra: JSONObject

    public init(issuer: String, subject: String? = nil, audience: String? = nil, issuedAt: Int64, ttl: Int64 = 180,
                request: CanonicalRequest?, extra: JSONObject = JSONObject()) {
        self.issuer = issuer
        self.subject = subject
        self.audience = audience
        self.issuedAt = issuedAt
        self.expiresAt = issuedAt + ttl
        self.request = request
        self.extra = extra
    }

    /// App → host tokens: `iss` is the app key, `aud` the tenant's clientKey, `qsh` of the
    /// URL relative to the host's base URL. The console's token lab uses the same helper.
    public static func outbound(appKey: String, clientKey: String, method: String, url: String, hostBaseURL: String,
                                now: Int64, ttl: Int64 = 180, subject: String? = nil) -> ConnectClaims {
        ConnectClaims(issuer: appKey, subject: subject, audience: clientKey, issuedAt: now, ttl: ttl,
                      request: CanonicalRequest(method: method, url: url, baseURL: hostBaseURL))
    }

    public var object: JSONObject {
        var object = extra
        object["iss"] = .string(issuer)
        object["iat"] = .integer(issuedAt)
        object["exp"] = .integer(expiresAt)
        object["qsh"] = .string(request?.queryStringHash ?? QSHDiagnosis.contextQSH)
        if let subject { object["sub"] = .string(subject) }
        if let audience { object["aud"] = .string(audience) }
        return object
    }
}
