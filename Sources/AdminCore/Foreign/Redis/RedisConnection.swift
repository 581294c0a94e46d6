import NIOCore
import NIOPosix
import ConnectCore
import RedisProtocol

/// A read-only Redis client: one connection, RESP2, one command at a time, each bounded by a
/// deadline. It sends only what reading atlassian-connect-express's store takes (AUTH, SELECT,
/// PING, SCAN, GET, MGET); no Swift Redis client is among this project's packages, and these
/// few commands are all it needs.
final class RedisConnection: Sendable {
    let location: ForeignLocation.RedisLocation
    private let channel: any Channel
    private let deadline: StoreDeadline

    private init(location: ForeignLocation.RedisLocation, channel: any Channel, deadline: Duration) {
        self.location = location
        self.channel = channel
        self.deadline = StoreDeadline(limit: deadline)
    }

    var target: String { "\(location.host):\(location.port)" }

    static func connect(_ location: ForeignLocation.RedisLocation, deadline: Duration = .seconds(5)) async throws(StoreError) -> RedisConnection {
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(RESPHandler()) }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: location.host, port: location.port).get()
        } catch {
            let why = "\(error)".lowercased().contains("refused") ? " (connection refused)" : ""
            throw StoreError(.unreachable, "cannot reach Redis at \(location.host):\(location.port)\(why): check that it is running and the host and port are right")
        }
        let connection = RedisConnection(location: location, channel: channel, deadline: deadline)
        do throws(StoreError) {
            if let password = location.password {
                let auth = try await connection.send(location.username.map { ["AUTH", $0, password] } ?? ["AUTH", password], what: "AUTH")
                if case .error(let message) = auth {
                    throw StoreError(.unreachable, "Redis at \(connection.target) refused the password in the store URL (\(Sanitized.escape(message)))")
                }
            }
            if location.database != 0 {
                _ = try connection.expectOK(try await connection.send(["SELECT", String(location.database)], what: "SELECT"), "SELECT \(location.database)")
            }
            if case .error(let message) = try await connection.send(["PING"], what: "PING") {
                throw StoreError(.unreachable, "Redis at \(connection.target) does not answer: \(Sanitized.escape(message)) (a password in the URL: ace+redis://:PASSWORD@host:port)")
            }
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }

    private func expectOK(_ reply: RESPValue, _ what: String) throws(StoreError) -> RESPValue {
        if case .error(let message) = reply {
            throw StoreError(.failed, "Redis at \(target) refused \(what): \(Sanitized.escape(message))")
        }
        return reply
    }

    /// Sends one command and waits for its reply (a Redis error reply is returned, not thrown).
    func send(_ arguments: [String], what: String) async throws(StoreError) -> RESPValue {
        let channel = self.channel
        let target = self.target
        do {
            return try await deadline.run(cancelOnTimeout: false, "Redis \(what)") { () throws(StoreError) -> RESPValue in
                let promise = channel.eventLoop.makePromise(of: RESPValue.self)
                var buffer = channel.allocator.buffer(capacity: 64)
                buffer.writeBytes(RESPValue.command(arguments))
                channel.writeAndFlush(RESPHandler.Request(bytes: buffer, reply: promise), promise: nil)
                do {
                    return try await promise.futureResult.get()
                } catch {
                    throw StoreError(.unreachable, "lost the connection to Redis at \(target) during \(what)")
                }
            }
        } catch {
            // A late reply would answer the next command: this connection is done.
            channel.close(promise: nil)
            throw error
        }
    }

    /// The reply of a command that must succeed, as an error when Redis refused it.
    func query(_ arguments: [String], what: String) async throws(StoreError) -> RESPValue {
        try expectOK(try await send(arguments, what: what), what)
    }

    func close() async {
        try? await channel.close()
    }
}

/// Matches replies to requests in order, on the channel's event loop.
private final class RESPHandler: ChannelDuplexHandler {
    struct Request: Sendable {
        var bytes: ByteBuffer
        var reply: EventLoopPromise<RESPValue>
    }

    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Request
    typealias OutboundOut = ByteBuffer

    struct Closed: Error {}

    private var received: [UInt8] = []
    private var waiting = CircularBuffer<EventLoopPromise<RESPValue>>()

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        waiting.append(request.reply)
        context.write(wrapOutboundOut(request.bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received += buffer.readBytes(length: buffer.readableBytes) ?? []
        do {
            while let (value, used) = try RESPValue.parse(received) {
                received.removeFirst(used)
                waiting.popFirst()?.succeed(value)
            }
        } catch {
            failAll(context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(context)
    }

    private func failAll(_ context: ChannelHandlerContext) {
        while let promise = waiting.popFirst() { promise.fail(Closed()) }
        context.close(promise: nil)
    }
}
