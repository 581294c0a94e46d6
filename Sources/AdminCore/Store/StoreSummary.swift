import ConnectCore
/// Counts for headers and `store info`.
public struct StoreSummary: Sendable, Equatable {
    public var schemaVersion: Int
    public var tenants: Int
    public var installEvents: Int
    public var authFailures: Int
    public var lastFailureID: Int64
}
