import AdminCore
import ConnectCore

/// Code an app author runs after an accepted lifecycle callback, once the store has
/// committed it. This is the answer to "how do I get the sharedSecret": the tenant handed to
/// `onInstalled` carries it (`try tenant.sharedSecret.reveal()`: open, since it was just installed).
///
/// ```swift
/// let hooks = ConnectServerHooks(onInstalled: { tenant in
///     try await myVault.put(tenant.clientKey, try tenant.sharedSecret.reveal())
/// })
/// ```
public struct ConnectServerHooks: Sendable {
    public var onInstalled: @Sendable (Tenant) async throws -> Void
    public var onUninstalled: @Sendable (Tenant) async throws -> Void

    public init(onInstalled: @escaping @Sendable (Tenant) async throws -> Void = { _ in },
                onUninstalled: @escaping @Sendable (Tenant) async throws -> Void = { _ in }) {
        self.onInstalled = onInstalled
        self.onUninstalled = onUninstalled
    }
}
