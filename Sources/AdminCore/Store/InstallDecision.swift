/// What a lifecycle callback decided, written atomically: the event always, and the tenant
/// row only when the callback was accepted. A rejected callback can therefore never change
/// a stored tenant.
public struct InstallDecision: Sendable {
    public var event: InstallEvent
    /// The tenant as it must be stored after an accepted callback; `nil` for rejected ones.
    public var tenant: Tenant?

    public init(event: InstallEvent, tenant: Tenant?) {
        self.event = event
        self.tenant = event.outcome == .accepted ? tenant : nil
    }
}
