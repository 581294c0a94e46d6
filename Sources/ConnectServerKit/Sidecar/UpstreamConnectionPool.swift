import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Kept-alive HTTP/1.1 connections to the app behind the sidecar, one request at a time each,
/// preferring a connection on the event loop the caller runs on (no thread hop either way).
///
/// Why not AsyncHTTPClient, which the rest of the server uses: measured alone against nginx it
/// spent 81–120 µs of CPU per request (a task, a cancellation actor and a deadline timer each,
/// its state machines and async bridging) — half of what the whole sidecar spent per proxied
/// request (BENCHMARKS.md, "Sidecar"). A proxy's client needs less: one app, one request per
/// connection at a time, the answer handed over whole when small.
final class UpstreamConnectionPool: Sendable {
    /// The app's address, taken apart once.
    struct Endpoint: Sendable {
        let host: String
        let port: Int
        /// What the `Host` field says: the URL's authority as written.
        let authority: String
        /// A path the URL has after its authority (`http://h:3000/app` → `/app`), put before
        /// every request's own.
        let pathPrefix: String
        let tls: Bool

        init(url: String) throws(UpstreamForwarder.Failure) {
            guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
                  let host = parsed.host, !host.isEmpty else {
                throw .unreachable("\(url) is not an http(s) URL")
            }
            tls = scheme == "https"
            self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
            port = parsed.port ?? (tls ? 443 : 80)
            let afterScheme = url.drop { $0 != ":" }.dropFirst(3)
            authority = String(afterScheme.prefix { $0 != "/" && $0 != "?" })
            pathPrefix = String(afterScheme.drop { $0 != "/" && $0 != "?" })
        }
    }

    /// A connection and the handler that runs its exchanges.
    final class Connection: Sendable {
        let channel: any Channel
        let handler: NIOLoopBound<UpstreamExchangeHandler>

        init(channel: any Channel, handler: NIOLoopBound<UpstreamExchangeHandler>) {
            self.channel = channel
            self.handler = handler
        }

        /// Runs `body` on the connection's event loop: at once when the caller is on it.
        func onLoop<T: Sendable>(_ body: @escaping @Sendable (UpstreamExchangeHandler) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
            if channel.eventLoop.inEventLoop { return body(handler.value) }
            return channel.eventLoop.flatSubmit { body(self.handler.value) }
        }

        func close() { channel.close(promise: nil) }
    }

    let group: any EventLoopGroup
    let connectTimeout: TimeAmount
    /// Idle connections, newest last.
    private let idle = NIOLockedValueBox<[Connection]>([])
    /// Idle connections kept beyond this many are closed.
    static let maxIdle = 256

    /// A URL that is not http(s), or TLS that cannot be set up, fails every request with the
    /// reason (the command line has checked the URL already).
    init(url: String, connectTimeout: Duration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.group = group
        self.connectTimeout = TimeAmount(connectTimeout)
        do {
            let endpoint = try Endpoint(url: url)
            setup = .success((endpoint, endpoint.tls ? try NIOSSLContext(configuration: .makeClientConfiguration()) : nil))
        } catch let error as UpstreamForwarder.Failure {
            setup = .failure(error)
        } catch {
            setup = .failure(.unreachable("TLS to \(url) cannot be set up: \(error)"))
        }
    }

    /// The app's address, taken apart, and the TLS context for an https one.
    private let setup: Result<(endpoint: Endpoint, tls: NIOSSLContext?), UpstreamForwarder.Failure>

    func endpoint() throws(UpstreamForwarder.Failure) -> Endpoint { try setup.get().endpoint }

    /// An idle connection on the caller's event loop, or a new one there.
    /// `reused`: it served a request before (a failure before any answer then means the app
    /// closed it while it was idle).
    func connection() async throws(UpstreamForwarder.Failure) -> (connection: Connection, reused: Bool) {
        let loop = MultiThreadedEventLoopGroup.currentEventLoop
        // On a loop, one on another loop would cost a thread hop each way for every request it
        // serves: a new one here is cheaper after its first. Off the loops, any will do.
        let kept = idle.withLockedValue { connections -> Connection? in
            while let index = connections.lastIndex(where: { loop == nil || $0.channel.eventLoop === loop }) {
                let connection = connections.remove(at: index)
                // Closed a moment ago, before its close took it off this list.
                if connection.channel.isActive { return connection }
            }
            return nil
        }
        if let kept { return (kept, true) }
        return (try await connect(on: loop ?? group.next()), false)
    }

    /// Takes a closed connection off the idle list.
    private func forget(_ connection: Connection) {
        idle.withLockedValue { connections in
            if let index = connections.firstIndex(where: { $0 === connection }) { connections.remove(at: index) }
        }
    }

    /// A connection whose exchange ended cleanly, back for the next request.
    private func release(_ connection: Connection) {
        let surplus = idle.withLockedValue { connections -> Bool in
            guard connections.count < Self.maxIdle else { return true }
            connections.append(connection)
            return false
        }
        if surplus { connection.close() }
    }

    private func connect(on loop: any EventLoop) async throws(UpstreamForwarder.Failure) -> Connection {
        let (endpoint, tlsContext) = try setup.get()
        // Made with the channel, in its initializer: looked up in the pipeline afterwards, the
        // handler is gone when a TLS handshake failed in between.
        let made = loop.makePromise(of: Connection.self)
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tlsContext {
                        let isAddress = endpoint.host.contains(":") || endpoint.host.allSatisfy { $0.isNumber || $0 == "." }
                        try pipeline.addHandler(try NIOSSLClientHandler(context: tlsContext, serverHostname: isAddress ? nil : endpoint.host))
                    }
                    try pipeline.addHTTPClientHandlers()
                    let handler = UpstreamExchangeHandler(eventLoop: channel.eventLoop, tls: tlsContext != nil)
                    try pipeline.addHandler(handler)
                    let connection = Connection(channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
                    // The handler holds its connection only until it leaves the pipeline.
                    handler.whenReusable = { [self] in release(connection) }
                    channel.closeFuture.whenComplete { [self] _ in forget(connection) }
                    made.succeed(connection)
                }
            }
        let connection: Connection
        do {
            _ = try await bootstrap.connect(host: endpoint.host, port: endpoint.port).get()
            connection = try await made.futureResult.get()
        } catch {
            made.fail(error)
            throw .unreachable(String(String(describing: error).prefix(200)))
        }
        // Handed out only once it can carry a request: a TLS handshake that fails (an app whose
        // certificate nothing vouches for) fails the connect with its own reason, instead of
        // racing the first request for which event reports it.
        do {
            try await connection.onLoop { [connectTimeout] in $0.established(within: connectTimeout) }.get()
        } catch {
            connection.close()
            if let failure = error as? UpstreamExchangeHandler.ExchangeFailure { throw failure.failure }
            throw .unreachable(UpstreamExchangeHandler.describe(error))
        }
        return connection
    }
}
