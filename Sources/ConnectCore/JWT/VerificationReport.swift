/// Everything the verifier found out about one token: every check it could run, and the
/// material an operator needs to understand a failure (decoded parts, both qsh values).
///
/// The server acts on `valid`/`firstFailure`; the console and `jwt verify` show it all.
public struct VerificationReport: Sendable {
    public var checks: [VerificationCheck]
    /// Decoded header and claims, when the token was well-formed enough to decode.
    public var header: JSONObject?
    public var claims: JSONObject?
    /// The token as received, kept only to fingerprint it; `nil` when it was too large to hash.
    private let tokenText: String?
    /// The request the token was checked against; its canonical text and hash.
    public var request: CanonicalRequest?
    public var canonicalRequest: String? { request?.text }
    public var expectedQSH: String?
    /// What the token claims.
    public var tokenQSH: String?
    /// When qsh did not match: a nearby request whose hash *does* match, if one was found.
    public var qshSignedFor: String?
    public var leeway: Int64
    public var now: Int64

    init(checks: [VerificationCheck], header: JSONObject? = nil, claims: JSONObject? = nil, tokenText: String?,
         request: CanonicalRequest? = nil, expectedQSH: String? = nil, leeway: Int64, now: Int64) {
        self.checks = checks
        self.header = header
        self.claims = claims
        self.tokenText = tokenText
        self.request = request
        self.expectedQSH = expectedQSH
        self.leeway = leeway
        self.now = now
    }

    /// What logs and the store keep instead of the token: 16 hex digits of its SHA-256, or
    /// `oversized` for a token refused before it was read. Computed on demand, since valid
    /// requests never need it.
    public var tokenFingerprint: String {
        tokenText.map(ConnectToken.fingerprint(of:)) ?? "oversized"
    }

    /// True only when every check ran and passed. A report without a signature check (the
    /// key was unavailable, the token undecodable) is never valid.
    public var valid: Bool {
        checks.allSatisfy(\.ok) && checks.contains { $0.name == .signature }
    }

    public var failures: [VerificationCheck] { checks.filter { !$0.ok } }

    /// The reason the server answers with: the first failed check, or, for a report that
    /// is invalid only because a check could not run, `bad_signature`.
    public var firstFailure: ConnectAuthError? {
        if let failed = checks.first(where: { !$0.ok }), let reason = failed.reason {
            return ConnectAuthError(reason, failed.detail)
        }
        return valid ? nil : ConnectAuthError(.badSignature, "signature could not be checked")
    }
}
