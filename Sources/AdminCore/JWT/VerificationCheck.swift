/// One check the verifier ran, passed or failed, with a sentence for a person.
public struct VerificationCheck: Sendable, Equatable {
    /// Stable check names, in the order the verifier runs them.
    public enum Name: String, Sendable, CaseIterable {
        case format, algorithm, header, kid
        case requiredClaims = "required-claims"
        case claimTypes = "claim-types"
        case issuer, secret, signature, expiry
        case notBefore = "not-before"
        case issuedAt = "issued-at"
        case qsh, audience
    }

    public var name: Name
    public var ok: Bool
    /// Set exactly when `ok` is false.
    public var reason: ReasonCode?
    public var detail: String

    public static func pass(_ name: Name, _ detail: String) -> VerificationCheck {
        VerificationCheck(name: name, ok: true, reason: nil, detail: detail)
    }

    public static func fail(_ name: Name, _ reason: ReasonCode, _ detail: String) -> VerificationCheck {
        VerificationCheck(name: name, ok: false, reason: reason, detail: detail)
    }
}
