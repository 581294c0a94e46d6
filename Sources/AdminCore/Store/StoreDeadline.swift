import Foundation
import NIOConcurrencyHelpers
import ConnectCore

/// Bounds how long a caller waits on the store. A PostgreSQL server that went away does
/// not fail a query: the pool waits for a connection that never comes. Every store
/// operation therefore races a deadline and answers `.unreachable` when it passes, so a
/// request can be answered 503 within seconds and the console can say "store unreachable".
///
/// The operation runs in its own task. A read is cancelled at the deadline; a write is left
/// to finish or fail on its own terms (a transaction is never cut half-way), and the caller
/// is told it is unknown whether it landed.
struct StoreDeadline: Sendable {
    var limit: Duration

    func run<T: Sendable>(cancelOnTimeout: Bool, _ what: String,
                          _ operation: @escaping @Sendable () async throws(StoreError) -> T) async throws(StoreError) -> T {
        let work = Task<T, any Error> { try await operation() }
        let limit = self.limit
        let result: Result<T, StoreError> = await withCheckedContinuation { continuation in
            let once = ResumeOnce(continuation)
            let timer = Task {
                try? await Task.sleep(for: limit)
                guard !Task.isCancelled else { return }
                once.resume(.failure(StoreError(.unreachable, "the store did not answer within \(Self.seconds(limit)) (\(what)): check that it is running and reachable")))
                if cancelOnTimeout { work.cancel() }
            }
            Task {
                let outcome = await work.result
                timer.cancel()
                once.resume(outcome.mapError { error in
                    error as? StoreError ?? StoreError(.failed, "store operation failed (\(what)): \(error)")
                })
            }
        }
        return try result.get()
    }

    static func seconds(_ duration: Duration) -> String {
        let milliseconds = StoreTime.milliseconds(duration)
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : String(format: "%.1f s", Double(milliseconds) / 1000)
    }
}

/// A continuation resumed by whichever of two racers finishes first.
private final class ResumeOnce<T: Sendable>: Sendable {
    private let continuation: NIOLockedValueBox<CheckedContinuation<Result<T, StoreError>, Never>?>

    init(_ continuation: CheckedContinuation<Result<T, StoreError>, Never>) {
        self.continuation = NIOLockedValueBox(continuation)
    }

    func resume(_ result: Result<T, StoreError>) {
        continuation.withLockedValue { waiting in
            waiting?.resume(returning: result)
            waiting = nil
        }
    }
}
