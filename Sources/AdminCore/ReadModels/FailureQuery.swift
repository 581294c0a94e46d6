import Foundation
import ConnectCore

/// Authentication failures, newest first, or (with `afterID`) oldest first from a cursor:
/// the live tail.
public struct FailureQuery: Sendable, Equatable {
    public var clientKey: String?
    public var reason: ReasonCode?
    public var since: Date?
    public var limit: Int
    /// Keyset paging backwards: only failures with a smaller id.
    public var beforeID: Int64?
    /// Tail: only failures with a larger id, in id order.
    public var afterID: Int64?

    public init(clientKey: String? = nil, reason: ReasonCode? = nil, since: Date? = nil, limit: Int = 100,
                beforeID: Int64? = nil, afterID: Int64? = nil) {
        self.clientKey = clientKey
        self.reason = reason
        self.since = since
        self.limit = limit
        self.beforeID = beforeID
        self.afterID = afterID
    }

    /// The tail query: everything after `id`, oldest first.
    public static func tail(after id: Int64, clientKey: String? = nil, reason: ReasonCode? = nil, limit: Int = 1000) -> FailureQuery {
        FailureQuery(clientKey: clientKey, reason: reason, limit: limit, afterID: id)
    }
}
