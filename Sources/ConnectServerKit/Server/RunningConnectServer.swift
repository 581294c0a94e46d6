import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// A connect-server started in-process (the demo, tests), with a clean, graceful stop: open
/// requests finish and queued auth failures are written before `stop()` returns.
public final class RunningConnectServer: Sendable {
    public let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    private let app: ConnectServerApp

    private init(port: Int, group: ServiceGroup, task: Task<Void, any Error>, app: ConnectServerApp) {
        self.port = port
        self.group = group
        self.task = task
        self.app = app
    }

    public static func start(_ app: ConnectServerApp) async throws -> RunningConnectServer {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = app.makeApplication { continuation.yield($0) }
        let group = ServiceGroup(services: [application], gracefulShutdownSignals: [], cancellationSignals: [], logger: app.logger)
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw CancellationError()
        }
        return RunningConnectServer(port: port, group: group, task: task, app: app)
    }

    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
        await app.recorder.flush()
    }
}
