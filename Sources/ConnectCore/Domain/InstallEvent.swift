import Foundation

/// One lifecycle callback and what was decided about it. Rejected callbacks are kept too:
/// they are the security story (hijack attempts, forged installs).
public struct InstallEvent: Sendable, Equatable {
    public enum EventType: String, Sendable, CaseIterable, Codable {
        case installed, uninstalled, enabled, disabled
    }

    public enum Outcome: String, Sendable, CaseIterable, Codable {
        case accepted, rejected
    }

    /// Store-assigned, increasing; `0` before the event is stored.
    public var id: Int64
    public var at: Date
    public var node: String
    public var clientKey: String
    public var eventType: EventType
    public var outcome: Outcome
    /// Why it was rejected; `nil` when accepted.
    public var reason: ReasonCode?
    /// How the callback was authenticated: `rs256:<kid>`, `hs256:stored-secret`,
    /// `unsigned-first-install` or `none`.
    public var auth: String
    public var fingerprintBefore: String?
    public var fingerprintAfter: String?
    public var baseUrl: String?
    public var remoteAddress: String?
    public var detail: String
    /// Identical rejected callbacks folded into this row (same tenant, event, reason and
    /// source within a short window); 1 for every accepted one.
    public var count: Int
    /// Behind the sidecar: the app's HTTP status for the forwarded callback (`nil` when it was
    /// not forwarded, or no app is behind us).
    public var upstreamStatus: Int?
    /// Behind the sidecar: whether the callback was passed on to the app; `nil` when no app is
    /// behind us (connect-server hosting the app itself).
    public var forwarded: Bool?

    public init(id: Int64 = 0, at: Date, node: String, clientKey: String, eventType: EventType, outcome: Outcome,
                reason: ReasonCode? = nil, auth: String, fingerprintBefore: String? = nil, fingerprintAfter: String? = nil,
                baseUrl: String? = nil, remoteAddress: String? = nil, detail: String = "", count: Int = 1,
                upstreamStatus: Int? = nil, forwarded: Bool? = nil) {
        self.id = id
        self.at = at
        self.node = node
        self.clientKey = clientKey
        self.eventType = eventType
        self.outcome = outcome
        self.reason = reason
        self.auth = auth
        self.fingerprintBefore = fingerprintBefore
        self.fingerprintAfter = fingerprintAfter
        self.baseUrl = baseUrl
        self.remoteAddress = remoteAddress
        self.detail = detail
        self.count = count
        self.upstreamStatus = upstreamStatus
        self.forwarded = forwarded
    }

    /// An accepted install whose secret changed.
    public var rotatedSecret: Bool {
        outcome == .accepted && fingerprintBefore != nil && fingerprintAfter != nil && fingerprintBefore != fingerprintAfter
    }
}

/// Events are told apart by their row id (lists keep the selection on it across refreshes).
extension InstallEvent: Identifiable {}
