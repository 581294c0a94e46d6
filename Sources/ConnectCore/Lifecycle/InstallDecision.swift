import Foundation

/// What a lifecycle callback decided, written atomically: the event always, and the tenant
/// row only when the callback was accepted (all of it for `installed`, only its state for
/// `enabled`, `disabled` and `uninstalled`). A rejected callback can therefore never change
/// a stored tenant.
public struct InstallDecision: Sendable {
    public var event: InstallEvent
    /// The tenant as it must be stored after an accepted callback; `nil` for rejected ones.
    public var tenant: Tenant?
    /// The stored row the decision was made on. An accepted decision is committed only if the
    /// row is still exactly that inside the write transaction; otherwise the store throws a
    /// `.conflict` and the callback must be decided again on the new row. This is what keeps a
    /// callback signed with a secret that a concurrent reinstall just replaced from putting the
    /// old secret back.
    public var basis: Basis

    public enum Basis: Sendable, Equatable {
        /// No check: the decision did not depend on the stored row (an install signed by the
        /// host's install key; imports, tools).
        case unconditional
        /// Decided on "no such tenant": a first install.
        case absent
        /// Authenticated with this stored secret: commit only while it is still current.
        case secret(fingerprint: String)
        /// A state change authenticated with this secret, from this state.
        case secretAndState(fingerprint: String, state: TenantState)
    }

    public init(event: InstallEvent, tenant: Tenant?, basis: Basis = .unconditional) {
        self.event = event
        self.tenant = event.outcome == .accepted ? tenant : nil
        self.basis = basis
    }
}
