/// One check the verifier ran, passed or failed, with a sentence for a person.
public struct VerificationCheck: Sendable, Equatable {
    /// Stable check names, in the order the verifier runs them.
    public enum Name: String, Sendable, CaseIterable {
        case format, algorithm, header, kid
        case requiredClaims = "required-claims"
        case claimTypes = "claim-types"
        /// Whose key signs: for request tokens `iss` finds it; for the other kinds it is the
        /// named tenant's, and `issuer` is then a rule of its own.
        case key
        case issuer, secret, signature
        case subject
        /// The `tnt` claim of an act-as-user assertion.
        case tenant
        case expiry
        case notBefore = "not-before"
        case issuedAt = "issued-at"
        case lifetime
        case qsh, audience
    }

    public var name: Name
    public var ok: Bool
    /// Set exactly when `ok` is false.
    public var reason: ReasonCode?
    /// A passed check that still deserves attention (a deprecated form the receiver accepts
    /// today). Never set on a failed check.
    public var warning: Bool
    /// Not run, because what it needs was not given (qsh without a request): listed so that
    /// nobody reads a valid report as having checked it. Never set on a failed check.
    public var skipped: Bool
    /// The sentence, written when it is read: a valid request's report is seldom read, and
    /// formatting numbers into a dozen sentences cost more than its HMAC.
    var message: Message

    public var detail: String {
        get { message.text }
        set { message = .text(newValue) }
    }

    init(name: Name, ok: Bool, reason: ReasonCode?, warning: Bool, skipped: Bool, detail: String) {
        self.init(name: name, ok: ok, reason: reason, warning: warning, skipped: skipped, message: .text(detail))
    }

    init(name: Name, ok: Bool, reason: ReasonCode?, warning: Bool, skipped: Bool, message: Message) {
        self.name = name
        self.ok = ok
        self.reason = reason
        self.warning = warning
        self.skipped = skipped
        self.message = message
    }

    /// Two checks are the same when they say the same, however their sentences are kept.
    public static func == (lhs: VerificationCheck, rhs: VerificationCheck) -> Bool {
        lhs.name == rhs.name && lhs.ok == rhs.ok && lhs.reason == rhs.reason && lhs.warning == rhs.warning
            && lhs.skipped == rhs.skipped && lhs.detail == rhs.detail
    }

    public static func pass(_ name: Name, _ detail: String) -> VerificationCheck {
        VerificationCheck(name: name, ok: true, reason: nil, warning: false, skipped: false, detail: detail)
    }

    static func pass(_ name: Name, _ message: Message) -> VerificationCheck {
        VerificationCheck(name: name, ok: true, reason: nil, warning: false, skipped: false, message: message)
    }

    public static func skip(_ name: Name, _ detail: String) -> VerificationCheck {
        VerificationCheck(name: name, ok: true, reason: nil, warning: false, skipped: true, detail: detail)
    }

    public static func warn(_ name: Name, _ detail: String) -> VerificationCheck {
        VerificationCheck(name: name, ok: true, reason: nil, warning: true, skipped: false, detail: detail)
    }

    public static func fail(_ name: Name, _ reason: ReasonCode, _ detail: String) -> VerificationCheck {
        VerificationCheck(name: name, ok: false, reason: reason, warning: false, skipped: false, detail: detail)
    }
}

extension VerificationCheck {
    /// The sentences of the checks a valid request passes, kept as their values until read.
    enum Message: Sendable {
        case text(String)
        case algorithmIs(String)
        case expiresIn(exp: Int64, now: Int64, leeway: Int64)
        case validSince(nbf: Int64, now: Int64)
        case issuedAgo(iat: Int64, now: Int64)
        case secret(fingerprint: String, bytes: Int)
        case hs256Matches(fingerprint: String)
        case kidWellFormed(String)
        case audienceNames(String)
        case keySource(KeySource)

        var text: String {
            switch self {
            case .text(let text): return text
            case .algorithmIs(let algorithm): return "alg is \(algorithm)"
            case .expiresIn(let exp, let now, let leeway):
                return exp >= now ? "expires in \(exp - now) s (leeway \(leeway) s)"
                                  : "expired \(now - exp) s ago, within the leeway of \(leeway) s"
            case .validSince(let nbf, let now): return "valid since \(max(0, now - nbf)) s ago"
            case .issuedAgo(let iat, let now): return "issued \(max(0, now - iat)) s ago"
            case .secret(let fingerprint, let bytes): return "secret \(fingerprint), \(bytes) bytes"
            case .hs256Matches(let fingerprint): return "HS256 signature matches secret \(fingerprint)"
            case .kidWellFormed(let kid): return "kid \(kid) is well-formed"
            case .audienceNames(let clientKey): return "aud names tenant \(clientKey)"
            case .keySource(let source): return source.description
            }
        }
    }
}
