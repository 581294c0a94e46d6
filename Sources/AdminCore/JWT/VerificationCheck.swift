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
    public var detail: String

    public static func pass(_ name: Name, _ detail: String) -> VerificationCheck {
        VerificationCheck(name: name, ok: true, reason: nil, warning: false, skipped: false, detail: detail)
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
