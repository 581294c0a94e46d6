/// A refused token or callback: the stable reason code plus one sentence for a person.
///
/// Thrown by APIs that need only the first reason (the server's request path); the
/// verifier's full report keeps every failed check.
public struct ConnectAuthError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: ReasonCode
    public var detail: String

    public init(_ reason: ReasonCode, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason.rawValue): \(detail)" }
}
