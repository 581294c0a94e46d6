import Foundation

/// A secret a tenant has had, and when it was current. The secret itself is kept so that a
/// token signed with an old one can be recognised ("stale secret"); it is never printed.
public struct SecretHistoryEntry: Sendable, Equatable {
    public var clientKey: String
    public var secret: StoredSecret
    public var currentFrom: Date
    /// `nil` while it is the current secret.
    public var currentUntil: Date?

    public init(clientKey: String, secret: StoredSecret, currentFrom: Date, currentUntil: Date?) {
        self.clientKey = clientKey
        self.secret = secret
        self.currentFrom = currentFrom
        self.currentUntil = currentUntil
    }

    public var fingerprint: String { secret.fingerprint }
    public var isCurrent: Bool { currentUntil == nil }
}
