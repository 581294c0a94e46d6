import NIOCore
import NIOHTTP1
import NIOSSL
import NIOTLS

/// What the app answered: read whole (a small body of known length, the common case, one wake-up
/// for the waiting task), or its head with the body still streaming from the app.
enum UpstreamAnswer: Sendable {
    case whole(HTTPResponseHead, ByteBuffer)
    case streaming(HTTPResponseHead, UpstreamAnswerBody)

    var head: HTTPResponseHead {
        switch self {
        case .whole(let head, _), .streaming(let head, _): head
        }
    }
}

/// A streamed answer's body: the app's bytes as they arrive, read from the app only as fast as
/// the caller takes them.
typealias UpstreamAnswerBody = NIOThrowingAsyncSequenceProducer<ByteBuffer, any Error,
    NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, UpstreamBodyDemand>

/// One request and its answer at a time on a kept-alive HTTP/1.1 connection to the app, on
/// NIO's own handlers: the request is written as it comes, the answer is handed over whole or
/// streamed, and when both are done the connection goes back to the pool. Lives on its
/// channel's event loop; everything here runs there.
final class UpstreamExchangeHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    /// Answers up to this size, of known length, are read whole before the task waiting for
    /// them wakes; larger ones, and those of unknown length, stream.
    static let wholeAnswerLimit = 16 * 1024

    /// How an exchange failed.
    enum ExchangeFailure: Error {
        /// The connection closed or broke; `answerStarted`: after part of the answer arrived.
        case closed(answerStarted: Bool, why: String?)
        /// No answer within the timeout.
        case timedOut

        /// As the forwarder reports it: 502 or 504.
        var failure: UpstreamForwarder.Failure {
            switch self {
            case .timedOut: .timedOut
            case .closed(let answerStarted, let why): .unreachable(why ?? (answerStarted ? "the app closed the connection mid-answer" : "the app closed the connection"))
            }
        }
    }

    private enum State {
        case idle
        case waitingForHead(EventLoopPromise<UpstreamAnswer>)
        case collecting(EventLoopPromise<UpstreamAnswer>, HTTPResponseHead, ByteBuffer)
        case streaming(UpstreamAnswerBody.Source)
        /// The answer is over; the request may still be uploading.
        case answered
        case closed
    }

    private var state = State.idle
    /// Counts exchanges, so that word from a finished one's body (its caller stopping after the
    /// end, say) cannot touch the next exchange on the same connection.
    private var exchange = 0
    private var context: ChannelHandlerContext?
    private var requestWritten = false
    private var keepAlive = true
    private var deadline: Scheduled<Void>?
    private var timeout = TimeAmount.seconds(30)
    /// Whether anything of the current answer arrived: a failure before that, on a reused
    /// connection, is the app having closed it while idle, and the request may be sent again.
    private var answerStarted = false
    /// Whether the request's body is being streamed (`write` and `end`), not sent with its head.
    private var streamedUpload = false
    /// Reads held back while the caller is slower than the app (a streamed answer).
    private var readsPaused = false
    private var readPending = false
    /// Called when an exchange ended with the connection reusable; set by the pool.
    var whenReusable: (() -> Void)?
    /// Why the connection broke (the first error seen, a TLS handshake's say), kept for an
    /// exchange that starts after it did: whichever of the error and the close comes first, and
    /// whether or not an exchange is under way, the reason is the error, not "closed".
    private var brokenBecause: String?

    let eventLoop: any EventLoop
    /// Whether a TLS handler sits before this one: then the connection carries requests only
    /// once its handshake completed.
    private let tls: Bool
    /// Behind `established(within:)`: connected, and over TLS the handshake done.
    private let establishedPromise: EventLoopPromise<Void>
    private var establishedDone = false

    /// Completed when the connection can carry a request, or failed with why it never will;
    /// one not established `within` the time given is closed (an app that accepts but never
    /// finishes its TLS handshake).
    func established(within limit: TimeAmount) -> EventLoopFuture<Void> {
        if !establishedDone {
            let timer = eventLoop.assumeIsolated().scheduleTask(in: limit) { [self] in
                guard !establishedDone else { return }
                establish(.timedOut)
                context?.close(promise: nil)
            }
            establishedPromise.futureResult.whenComplete { _ in timer.cancel() }
        }
        return establishedPromise.futureResult
    }

    init(eventLoop: any EventLoop, tls: Bool) {
        self.eventLoop = eventLoop
        self.tls = tls
        establishedPromise = eventLoop.makePromise()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive && !tls { establish(nil) }
    }

    /// Also when the connection never came up (no `channelInactive` then): the pool's closure
    /// and the connection it holds are let go, and a waiter learns why.
    func handlerRemoved(context: ChannelHandlerContext) {
        fail(.closed(answerStarted: answerStarted, why: brokenBecause))
        whenReusable = nil
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        if !tls { establish(nil) }
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent { establish(nil) }
        context.fireUserInboundEventTriggered(event)
    }

    /// Completes `established`, once: with success, or with the failure that ended the connection.
    private func establish(_ failure: ExchangeFailure?) {
        guard !establishedDone else { return }
        establishedDone = true
        if let failure { establishedPromise.fail(failure) } else { establishedPromise.succeed() }
    }

    // MARK: - The request

    /// Starts an exchange: writes the request's head and, when given, its body; `ends` also
    /// ends the request (otherwise the caller streams the body with `write` and `end`).
    func start(_ head: HTTPRequestHead, body: ByteBuffer?, ends: Bool, timeout: TimeAmount) -> EventLoopFuture<UpstreamAnswer> {
        guard let context, case .idle = state else {
            return eventLoop.makeFailedFuture(ExchangeFailure.closed(answerStarted: false, why: brokenBecause))
        }
        let promise = context.eventLoop.makePromise(of: UpstreamAnswer.self)
        exchange &+= 1
        state = .waitingForHead(promise)
        requestWritten = false
        answerStarted = false
        streamedUpload = !ends
        keepAlive = head.isKeepAlive
        self.timeout = timeout
        restartDeadline()
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        if ends { end() } else { context.flush() }
        return promise.futureResult
    }

    /// A part of a streamed request body; done when written to the socket. Each part written
    /// restarts the deadline: an upload may take as long as it keeps moving.
    func write(_ part: ByteBuffer) -> EventLoopFuture<Void> {
        guard let context, !isClosed else { return eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(part))), promise: written)
        written.futureResult.assumeIsolated().whenSuccess { [self] in
            if case .waitingForHead = state { restartDeadline() }
        }
        return written.futureResult
    }

    /// The app has `timeout` from now to answer (or to take the next part of the request).
    private func restartDeadline() {
        deadline?.cancel()
        deadline = eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in timedOut() }
    }

    /// Ends the request.
    @discardableResult
    func end() -> EventLoopFuture<Void> {
        guard let context, !isClosed else { return eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        written.futureResult.assumeIsolated().whenSuccess { [self] in
            requestWritten = true
            switch state {
            case .answered: exchangeDone()
            // After a streamed upload, the whole timeout to answer from the request's end.
            case .waitingForHead where streamedUpload: restartDeadline()
            default: break
            }
        }
        return written.futureResult
    }

    // MARK: - The answer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        answerStarted = true
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .waitingForHead(let promise)):
            keepAlive = keepAlive && head.isKeepAlive
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length <= Self.wholeAnswerLimit {
                state = .collecting(promise, head, context.channel.allocator.buffer(capacity: length))
            } else {
                // A long download may take its time, as long as it keeps moving: the deadline
                // restarts with every part, and holds while the caller is the slow one.
                restartDeadline()
                let body = UpstreamAnswerBody.makeSequence(backPressureStrategy: .init(lowWatermark: 2, highWatermark: 8), finishOnDeinit: true,
                                                           delegate: UpstreamBodyDemand(handler: NIOLoopBound(self, eventLoop: context.eventLoop), exchange: exchange))
                state = .streaming(body.source)
                promise.succeed(.streaming(head, body.sequence))
            }
        case (.body(var part), .collecting(let promise, let head, var collected)):
            state = .answered  // so that `collected` is not copied on write
            collected.writeBuffer(&part)
            state = .collecting(promise, head, collected)
        case (.body(let part), .streaming(let source)):
            if source.yield(part) == .stopProducing {
                readsPaused = true
                deadline?.cancel()
            } else {
                restartDeadline()
            }
        case (.end, .collecting(let promise, let head, let collected)):
            answered()
            promise.succeed(.whole(head, collected))
        case (.end, .streaming(let source)):
            answered()
            source.finish()
        default:
            // An answer nobody asked for, or out of order: this connection cannot be trusted.
            context.close(promise: nil)
        }
    }

    /// The answer is over. The deadline stays until the request is too: an app that answered
    /// early and stopped reading would otherwise leave the upload waiting for ever.
    private func answered() {
        state = .answered
        if requestWritten { exchangeDone() }
    }

    private func exchangeDone() {
        deadline?.cancel()
        state = .idle
        resumeReading(exchange)
        if keepAlive, let whenReusable { whenReusable() } else { context?.close(promise: nil) }
    }

    private func timedOut() {
        fail(.timedOut)
        context?.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.closed(answerStarted: answerStarted, why: brokenBecause))
        whenReusable = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if brokenBecause == nil { brokenBecause = Self.describe(error) }
        fail(.closed(answerStarted: answerStarted, why: brokenBecause))
        context.close(promise: nil)
    }

    /// An error as a recorded failure says it: a TLS handshake's failure says so first, since
    /// NIOSSL's own words (`handshakeFailed(sslError: […CERTIFICATE_VERIFY_FAILED])`) hide it.
    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        guard case .handshakeFailed = error as? NIOSSLError else { return String(text.prefix(200)) }
        // BoringSSL's words: `… error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at <file>:<line>`.
        let codes = text.split(separator: "OPENSSL_internal:").dropFirst().map { $0.prefix { $0.isLetter || $0.isNumber || $0 == "_" } }
        let why = codes.isEmpty ? String(text.prefix(160)) : codes.joined(separator: ", ")
        let hint = codes.contains("CERTIFICATE_VERIFY_FAILED") ? " (nothing this host trusts vouches for the app's certificate)" : ""
        return "the TLS handshake with the app failed: " + why + hint
    }

    /// Ends the exchange in progress, if any, with `error`; the connection is not used again.
    private func fail(_ error: ExchangeFailure) {
        deadline?.cancel()
        establish(error)
        switch state {
        case .waitingForHead(let promise), .collecting(let promise, _, _): promise.fail(error)
        case .streaming(let source): source.finish(error)
        case .idle, .answered, .closed: break
        }
        state = .closed
    }

    private var isClosed: Bool { if case .closed = state { true } else { false } }

    // MARK: - Back pressure on a streamed answer

    func read(context: ChannelHandlerContext) {
        if readsPaused { readPending = true } else { context.read() }
    }

    /// The caller of `exchange` wants more of its streamed answer.
    func resumeReading(_ exchange: Int) {
        guard exchange == self.exchange else { return }
        if readsPaused, case .streaming = state { restartDeadline() }
        readsPaused = false
        if readPending, let context {
            readPending = false
            context.read()
        }
    }

    /// The caller stopped reading a streamed answer: unless it was over, the rest of it is still
    /// on the connection, so the connection is closed.
    func answerAbandoned(_ exchange: Int) {
        guard exchange == self.exchange, case .streaming = state else { return }
        context?.close(promise: nil)
    }

}

/// Tells the handler, on its event loop, that the caller wants more of a streamed answer or has
/// stopped reading it.
struct UpstreamBodyDemand: NIOAsyncSequenceProducerDelegate {
    let handler: NIOLoopBound<UpstreamExchangeHandler>
    let exchange: Int

    func produceMore() {
        handler.eventLoop.execute { handler.value.resumeReading(exchange) }
    }

    func didTerminate() {
        handler.eventLoop.execute { handler.value.answerAbandoned(exchange) }
    }
}
