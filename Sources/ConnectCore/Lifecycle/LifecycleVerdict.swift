/// What the lifecycle rules decided about one callback: the decision to store (always an
/// event; a tenant row only when accepted) and what kind of answer it earns. How that answer
/// is spelled on the wire (204, 400, 401) is the HTTP layer's business, not the rules'.
public struct LifecycleVerdict: Sendable {
    public enum Kind: Sendable, Equatable {
        case accepted(Acceptance)
        case refused(Refusal, ConnectAuthError)
    }

    /// How an accepted callback changed the tenant.
    public enum Acceptance: Sendable, Equatable {
        /// A first install, or a reinstall with the same secret.
        case stored
        /// A reinstall that replaced the tenant's secret.
        case rotated
        /// `enabled`, `disabled` or `uninstalled` changed the tenant's state.
        case stateChanged
    }

    /// Why a callback was refused, in the two families a caller must tell apart: the payload
    /// itself was unusable, or the callback was not authenticated as the tenant it names.
    public enum Refusal: Sendable, Equatable {
        case invalidPayload
        case unauthenticated
    }

    public var kind: Kind
    public var decision: InstallDecision
    /// The verifier's report on the callback's token, when one was checked.
    public var report: VerificationReport?

    public init(_ kind: Kind, _ decision: InstallDecision, report: VerificationReport?) {
        self.kind = kind
        self.decision = decision
        self.report = report
    }

    public var accepted: Bool {
        if case .accepted = kind { true } else { false }
    }

    /// The reason a refused callback was refused; `nil` for an accepted one.
    public var refusal: ConnectAuthError? {
        if case .refused(_, let error) = kind { error } else { nil }
    }
}
