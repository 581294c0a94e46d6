import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// The sidecar's common case, served on the connection's event loop: a request without a body
/// whose token the tenant cache can judge is verified, sent to the app on a connection of the
/// same loop, and the app's answer written back: no task, no thread hop. Everything else (a
/// body, a lifecycle callback, a tenant not cached, `/healthz`…) goes on to Hummingbird and
/// `SidecarResponder`, which decide by the same rules (`SidecarResponder.route`, `verdict`),
/// and both count and log a request alike (`RequestLog`).
///
/// Why: with a task per request, Hummingbird's machinery was about half of the sidecar's CPU
/// per proxied request (BENCHMARKS.md, "Sidecar").
///
/// Answers go back in the order the requests came, also when a client pipelines and requests
/// go both ways: a request waits, its parts held and reading paused, until the answer before
/// it has ended. Sits behind Hummingbird's connection-state handler, which so counts these
/// requests for its idle timeout and graceful shutdown.
final class SidecarLoopPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let sidecar: SidecarResponder
    private let log: RequestLog
    private var context: ChannelHandlerContext?
    /// The connection's remote address, as failures record it.
    private var peer: String?

    /// Parts read and not yet taken: held while an earlier request is being answered.
    private var waiting = CircularBuffer<HTTPRequestPart>()
    /// Where the parts of the request being read go.
    private var reading = Reading.between
    /// Requests passed on to Hummingbird whose answers have not ended.
    private var passedOn = 0
    /// The request of ours being answered.
    private var answering: Answering?
    /// A read asked for while parts were waiting, done once they are taken.
    private var readHeld = false
    /// The connection ends after the answer being written: nothing more is read.
    private var closing = false

    private enum Reading {
        case between
        case passedOn
        /// Ours: answered when its end arrives.
        case ours(Answering)
    }

    /// A request of ours, from its head to its answer's end.
    private struct Answering {
        let request: Request
        let decision: SidecarResponder.LoopDecision
        let started: ContinuousClock.Instant
        /// What the answer's head said, for the log.
        var status = 0
        var reason: String?
    }

    init(sidecar: SidecarResponder, log: RequestLog) {
        self.sidecar = sidecar
        self.log = log
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        peer = context.channel.remoteAddress?.ipAddress
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    // MARK: - Requests

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        waiting.append(unwrapInboundIn(data))
        takeWaiting(context, inReadCycle: true)
    }

    func read(context: ChannelHandlerContext) {
        if waiting.isEmpty { context.read() } else { readHeld = true }
    }

    /// Takes the parts that may go now: to Hummingbird, or as a request of ours.
    private func takeWaiting(_ context: ChannelHandlerContext, inReadCycle: Bool) {
        var passedParts = false
        defer {
            // Hummingbird's side hands parts over at the end of a read cycle; outside one, end it here.
            if passedParts && !inReadCycle { context.fireChannelReadComplete() }
            if waiting.isEmpty && readHeld {
                readHeld = false
                context.read()
            }
        }
        while let part = waiting.first {
            switch part {
            case .head(let head):
                guard answering == nil else { return }
                let request = Request(head: head, body: RequestBody(buffer: ByteBuffer()))
                if case .none = UpstreamForwarder.Body.of(request) {
                    // Decided only when its turn has come: the decision may record a refusal.
                    guard passedOn == 0 else { return }
                    if let decision = sidecar.decideOnLoop(request, peer: peer) {
                        waiting.removeFirst()
                        let ours = Answering(request: request, decision: decision, started: .now)
                        answering = ours
                        reading = .ours(ours)
                        continue
                    }
                }
                waiting.removeFirst()
                passedOn += 1
                reading = .passedOn
                passedParts = true
                context.fireChannelRead(wrapInboundOut(part))
            case .body:
                waiting.removeFirst()
                // A request of ours has no body (`Body.of` said so): nothing can arrive here for it.
                if case .passedOn = reading {
                    passedParts = true
                    context.fireChannelRead(wrapInboundOut(part))
                }
            case .end:
                waiting.removeFirst()
                let request = reading
                reading = .between
                switch request {
                case .passedOn:
                    passedParts = true
                    context.fireChannelRead(wrapInboundOut(part))
                case .ours(let ours):
                    answer(ours, context: context)
                case .between:
                    break
                }
            }
        }
    }

    /// Hummingbird's answers pass here on their way out: when one ends, a request held for it may go.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let ended = if case .end = unwrapOutboundIn(data) { true } else { false }
        context.write(data, promise: promise)
        guard ended else { return }
        passedOn -= 1
        if passedOn == 0 && !waiting.isEmpty {
            // Not from inside Hummingbird's write.
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.execute {
                guard let context = loopBound.value.context else { return }
                loopBound.value.takeWaiting(context, inReadCycle: false)
            }
        }
    }

    // MARK: - Answers

    private func answer(_ ours: Answering, context: ChannelHandlerContext) {
        switch ours.decision.verdict {
        case .refuse(let error):
            complete(ConnectServerApp.unauthorizedAnswer(error))
        case .unavailable:
            complete(ConnectServerApp.storeUnavailableAnswer())
        case .forward:
            let head: HTTPRequestHead
            do {
                head = try sidecar.forwarder.head(for: ours.request.head, body: .none, remoteAddress: peer)
            } catch {
                complete(sidecar.upstreamFailed(error, ours.request, peer: peer))
                return
            }
            sidecar.forwarder.send(head, body: nil, on: context.eventLoop).hop(to: context.eventLoop).assumeIsolated().whenComplete { result in
                switch result {
                case .success(.whole(let head, let body)): self.complete((Self.response(head), body))
                case .success(.streaming(let head, let body)): self.stream(Self.response(head), body)
                case .failure(let error): self.complete(self.sidecar.upstreamFailed(UpstreamForwarder.failure(error), ours.request, peer: self.peer))
                }
            }
        }
    }

    private static func response(_ head: HTTPResponseHead) -> HTTPResponse {
        HTTPResponse(status: UpstreamForwarder.status(head), headerFields: UpstreamForwarder.responseFields(head.headers))
    }

    /// Writes an answer at hand, whole.
    private func complete(_ answer: (head: HTTPResponse, body: ByteBuffer)) {
        guard let context else { return ended(broken: true) }
        noteHead(answer.head)
        context.write(wrapOutboundOut(.head(answer.head)), promise: nil)
        if answer.body.readableBytes > 0 { context.write(wrapOutboundOut(.body(answer.body)), promise: nil) }
        writeEnd(context)
    }

    /// Writes an answer whose body is still coming from the app, as fast as the caller takes it.
    private func stream(_ head: HTTPResponse, _ body: UpstreamAnswerBody) {
        guard let context else { return ended(broken: true) }
        noteHead(head)
        context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
        let loop = context.eventLoop
        let loopBound = NIOLoopBound(self, eventLoop: loop)
        Task {
            do {
                for try await part in body {
                    try await loop.flatSubmit { loopBound.value.writeBody(part, loop: loop) }.get()
                }
                loop.execute {
                    guard let context = loopBound.value.context else { return loopBound.value.ended(broken: true) }
                    loopBound.value.writeEnd(context)
                }
            } catch {
                // The app broke off, or the caller went: the answer cannot be ended properly.
                loop.execute { loopBound.value.ended(broken: true) }
            }
        }
    }

    private func writeBody(_ part: ByteBuffer, loop: any EventLoop) -> EventLoopFuture<Void> {
        guard let context else { return loop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
        let written = loop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.body(part)), promise: written)
        return written.futureResult
    }

    private func noteHead(_ head: HTTPResponse) {
        answering?.status = head.status.code
        answering?.reason = head.headerFields[ConnectServerApp.reasonHeader]
    }

    private func writeEnd(_ context: ChannelHandlerContext) {
        // As Hummingbird does: `Connection: close` from the caller ends the connection after this answer.
        if answering?.request.headers[.connection]?.lowercased() == "close" {
            closing = true
            waiting.removeAll()
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        ended(broken: false)
    }

    /// The answer is over, or cannot be finished (`broken`: the connection is closed): counted,
    /// logged, compared, and the next request may go.
    private func ended(broken: Bool) {
        guard let ours = answering else { return }
        answering = nil
        log.record(ours.request, route: sidecar.routeLabel(ours.request), status: ours.status, reason: ours.reason,
                   elapsed: .now - ours.started)
        if case .forward(let expectation) = ours.decision.verdict, let detail = expectation.disagreement(status: ours.status) {
            sidecar.disagree(detail, ours.request, peer: peer, ours.decision.token)
        }
        guard let context else { return }
        if broken {
            closing = true
            context.close(promise: nil)
        } else {
            takeWaiting(context, inReadCycle: false)
        }
    }
}
