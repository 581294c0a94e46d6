import Foundation

/// How many connections the server can hold open with the file descriptors it may have
/// (`RLIMIT_NOFILE`, 1024 by default under systemd), so that the connection cap is reached
/// before the descriptors run out: out of descriptors, `accept` fails and the store, the install
/// keys and the app behind a sidecar cannot be reached either.
///
/// A connection to the server holds one descriptor; behind the sidecar, a request in flight
/// holds a second one to the app, and up to `UpstreamConnectionPool.maxIdle` kept-alive
/// connections to the app wait between requests. `reserved` covers the rest: the store's
/// connections, install-key and descriptor fetches, the metrics listener, logs.
public struct ConnectionBudget: Sendable, Equatable {
    /// The soft limit on open files.
    public let descriptors: Int
    public let sidecar: Bool

    public static let reserved = 64

    public init(descriptors: Int, sidecar: Bool) {
        self.descriptors = descriptors
        self.sidecar = sidecar
    }

    /// This process's limit.
    public static func current(sidecar: Bool) -> ConnectionBudget {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else {
            return ConnectionBudget(descriptors: 1024, sidecar: sidecar)
        }
        let soft = Int(clamping: min(limit.rlim_cur, 1 << 20))  // RLIM_INFINITY is the largest value
        return ConnectionBudget(descriptors: soft, sidecar: sidecar)
    }

    /// The connections that fit: the default `--max-connections`.
    public var connections: Int {
        let free = descriptors - Self.reserved - (sidecar ? UpstreamConnectionPool.maxIdle : 0)
        return max(16, min(1_000_000, sidecar ? free / 2 : free))
    }

    /// A sentence for a cap the descriptors cannot hold; `nil` when they can.
    public func warning(for cap: Int) -> String? {
        guard cap > connections else { return nil }
        return "--max-connections \(cap) is more than the \(connections) connections that \(descriptors) open files leave room for"
            + "\(sidecar ? " (two each behind the sidecar)" : ""): raise the limit (LimitNOFILE= in the unit, ulimit -n) or lower --max-connections"
    }
}
