import ConnectCore
/// A tenant row's place in the order of last change: its `updated_at` (milliseconds) and
/// clientKey. `ConnectStore.tenantKeys(after:limit:)` pages from one.
public struct TenantKeyPosition: Sendable, Equatable {
    public var updatedAt: Int64
    public var clientKey: String

    public init(updatedAt: Int64, clientKey: String) {
        self.updatedAt = updatedAt
        self.clientKey = clientKey
    }
}
