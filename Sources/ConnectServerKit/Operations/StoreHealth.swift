import AdminCore
import ConnectCore
import Foundation
import Logging
import NIOConcurrencyHelpers

/// Whether the store answered the last time the server needed it. Requests that need an
/// unreachable store are answered 503 (`Retry-After`); this logs the outage once when it
/// starts and once when it ends — never once per request — and `/readyz` reports it.
public final class StoreHealth: Sendable {
    private struct State {
        var downSince: Date?
        var lastError = ""
    }

    private let state = NIOLockedValueBox(State())
    private let logger: Logger
    private let metrics: ServerMetrics?

    public init(logger: Logger, metrics: ServerMetrics? = nil) {
        self.logger = logger
        self.metrics = metrics
    }

    public var isDown: Bool { state.withLockedValue { $0.downSince != nil } }

    /// Notes a failed store operation. Conflicts are decisions, not outages.
    public func failed(_ error: StoreError) {
        guard error.kind != .conflict else { return }
        let started = state.withLockedValue { state -> Bool in
            state.lastError = error.message
            guard state.downSince == nil else { return false }
            state.downSince = Date()
            return true
        }
        if started {
            logger.error("store unavailable: requests that need it are answered 503 until it returns", metadata: ["error": "\(error.message)"])
        }
    }

    public func succeeded() {
        let downSince = state.withLockedValue { state -> Date? in
            defer { state.downSince = nil }
            return state.downSince
        }
        if let downSince {
            logger.notice("store available again after \(Int(Date().timeIntervalSince(downSince))) s")
        }
    }

    /// Runs a store operation on the request path, noting how it went.
    public func observe<T>(_ operation: () async throws(StoreError) -> T) async throws(StoreError) -> T {
        let started = ContinuousClock.now
        do {
            let value = try await operation()
            metrics?.storeOperation(duration: ContinuousClock.now - started, failed: false)
            succeeded()
            return value
        } catch {
            metrics?.storeOperation(duration: ContinuousClock.now - started, failed: error.kind != .conflict)
            failed(error)
            throw error
        }
    }
}
