import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// Hummingbird's HTTP/1 channel with a request-head deadline in front of it.
///
/// Hummingbird closes a connection that sends nothing for `idleTimeout`, but a client that
/// trickles a request head one byte at a time keeps it open (slowloris): with a connection
/// cap, a few dozen of them starve `/healthz`. Here, once the first byte of a request
/// arrives, its whole head must arrive within `headTimeout` or the connection is closed.
/// Between requests only the idle timeout applies.
struct GuardedHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = HTTP1Channel.Value

    let inner: HTTP1Channel
    let headTimeout: TimeAmount

    init(responder: @escaping HTTPChannelHandler.Responder, idleTimeout: TimeAmount, headTimeout: TimeAmount) {
        self.inner = HTTP1Channel(responder: responder, configuration: .init(
            additionalChannelHandlers: [RequestHeadEndWatcher()], idleTimeout: idleTimeout))
        self.headTimeout = headTimeout
    }

    var responder: HTTPChannelHandler.Responder { inner.responder }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let headTimeout = self.headTimeout
        return channel.eventLoop.makeCompletedFuture {
            // First in the pipeline: it sees raw bytes before the HTTP decoder does.
            try channel.pipeline.syncOperations.addHandler(RequestHeadDeadline(timeout: headTimeout))
        }.flatMap {
            inner.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

/// Starts the head clock on the first byte of a request; closes the connection when it runs out.
final class RequestHeadDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var awaitingHead = true
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if awaitingHead && deadline == nil {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            deadline = context.eventLoop.scheduleTask(in: timeout) {
                loopBound.value.close(promise: nil)
            }
        }
        context.fireChannelRead(data)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    /// The decoder produced a complete head.
    func headArrived() {
        awaitingHead = false
        deadline?.cancel()
        deadline = nil
    }

    /// The response is complete: the next bytes start a new request.
    func responseEnded() {
        awaitingHead = true
    }
}

/// Sits after the HTTP decoder and tells `RequestHeadDeadline` when a head is complete and
/// when a response has ended.
final class RequestHeadEndWatcher: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var clock: RequestHeadDeadline?

    func handlerAdded(context: ChannelHandlerContext) {
        clock = try? context.pipeline.syncOperations.handler(type: RequestHeadDeadline.self)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { clock?.headArrived() }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { clock?.responseEnded() }
        context.write(data, promise: promise)
    }
}
