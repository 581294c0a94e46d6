import ConnectCore
/// Lifecycle events, newest first.
public struct HistoryQuery: Sendable, Equatable {
    public var clientKey: String?
    public var outcome: InstallEvent.Outcome?
    public var limit: Int
    /// Keyset paging: only events with a smaller id.
    public var beforeID: Int64?

    public init(clientKey: String? = nil, outcome: InstallEvent.Outcome? = nil, limit: Int = 100, beforeID: Int64? = nil) {
        self.clientKey = clientKey
        self.outcome = outcome
        self.limit = limit
        self.beforeID = beforeID
    }
}
