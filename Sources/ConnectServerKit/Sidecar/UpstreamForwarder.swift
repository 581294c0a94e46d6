import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOConcurrencyHelpers

/// Passes a request on to the app behind the sidecar and its answer back, both streamed:
/// method, path, query, headers and body unchanged, but for the hop-by-hop headers RFC 9110
/// (§7.6.1) says a proxy must not forward, and with `X-Forwarded-For/-Proto/-Host` added.
struct UpstreamForwarder: Sendable {
    let configuration: UpstreamConfiguration
    let client: HTTPClient
    /// Peers whose `X-Forwarded-*` fields are kept and appended to.
    let trusted: TrustedProxies

    /// What to send as the body: the caller's stream, or bytes already read (lifecycle payloads,
    /// forms searched for a `jwt` field).
    enum Body {
        /// No body (no `Content-Length` or `Transfer-Encoding`: a GET, say).
        case none
        case stream(RequestBody, length: Int64?)
        case bytes(ByteBuffer)

        /// The caller's body as it came: none, or a stream.
        static func of(_ request: Request) -> Body {
            let length = request.headers[.contentLength].flatMap { Int64($0) }
            if request.headers[.transferEncoding] == nil && (length ?? 0) == 0 { return .none }
            return .stream(request.body, length: length)
        }
    }

    enum Failure: Error {
        /// Could not connect, or the connection broke: 502.
        case unreachable(String)
        /// No answer within the timeout: 504.
        case timedOut
    }

    /// One client for every sidecar in the process, never shut down (like `HTTPClient.shared`),
    /// but a proxy's: redirects go back to the caller instead of being followed, bodies pass
    /// undecoded, and there is room for as many connections to the app as callers in flight
    /// (the shared client's 8 per host made callers queue).
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
        // No spans: the process bootstraps no tracer, and even the no-op one cost every request a
        // parse of its URL (3 % of the proxy's time in `perf`).
        configuration.tracing.tracer = nil
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Fields a proxy consumes rather than forwards (plus any the `Connection` field names).
    static let hopByHop: Set<String> = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
                                        "proxy-authenticate", "proxy-authorization"]

    /// The app's answer, its body still streaming from the app.
    func forward(_ request: Request, body: Body, remoteAddress: String?) async throws(Failure) -> Response {
        let response = try await execute(request, body: body, remoteAddress: remoteAddress)
        // A small answer of known size is passed back in one piece (cheaper than bridging the
        // stream); anything else streams.
        if let length = response.headers.first(name: "content-length").flatMap(Int.init), length <= Self.smallBody,
           let whole = try? await response.body.collect(upTo: Self.smallBody) {
            return Response(status: Self.status(response), headers: Self.responseFields(response), body: .init(byteBuffer: whole))
        }
        return Response(status: Self.status(response), headers: Self.responseFields(response), body: ResponseBody(asyncSequence: response.body))
    }

    static let smallBody = 16 * 1024

    /// The app's answer read whole (up to `limit` bytes): for lifecycle callbacks, whose answer
    /// is recorded before it is passed back.
    func exchange(_ request: Request, body: Body, remoteAddress: String?, limit: Int = 64 * 1024) async throws(Failure) -> Response {
        let response = try await execute(request, body: body, remoteAddress: remoteAddress)
        let collected: ByteBuffer
        do {
            collected = try await response.body.collect(upTo: limit)
        } catch {
            throw .unreachable("the app's answer broke off or exceeded \(limit) bytes")
        }
        return Response(status: Self.status(response), headers: Self.responseFields(response), body: .init(byteBuffer: collected))
    }

    private func execute(_ request: Request, body: Body, remoteAddress: String?) async throws(Failure) -> HTTPClientResponse {
        var outbound = HTTPClientRequest(url: configuration.url + (request.uri.string.hasPrefix("/") ? request.uri.string : "/" + request.uri.string))
        outbound.method = HTTPMethod(rawValue: request.method.rawValue)
        outbound.headers = Self.requestHeaders(request.headers, authority: request.head.authority, remoteAddress: remoteAddress,
                                               trusted: trusted)
        var uploaded: UploadTracker?
        switch body {
        case .none:
            break
        case .bytes(let buffer):
            outbound.body = .bytes(buffer)
        case .stream(let stream, let length):
            let tracker = UploadTracker()
            uploaded = tracker
            outbound.body = .stream(TrackedBody(base: stream, tracker: tracker), length: length.map { .known($0) } ?? .unknown)
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(outbound, timeout: .init(configuration.timeout))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw .timedOut
        } catch {
            throw .unreachable(String(String(describing: error).prefix(200)))
        }
        // The server reads the connection's next request only after this one's answer: the
        // upload must be over by then, or two readers would take turns on one stream.
        await uploaded?.waitUntilDone(atMost: configuration.timeout)
        return response
    }

    static func status(_ response: HTTPClientResponse) -> HTTPResponse.Status {
        HTTPResponse.Status(code: Int(response.status.code), reasonPhrase: response.status.reasonPhrase)
    }

    /// The app's fields minus hop-by-hop ones.
    static func responseFields(_ response: HTTPClientResponse) -> HTTPFields {
        let listed = connectionTokens(response.headers[canonicalForm: "connection"])
        var fields = HTTPFields()
        fields.reserveCapacity(response.headers.count)
        for header in response.headers {
            guard let name = HTTPField.Name(header.name), !isHopByHop(name.canonicalName, listed: listed) else { continue }
            fields.append(HTTPField(name: name, value: header.value))
        }
        return fields
    }

    /// The field names a `Connection` field lists, lowercased: hop-by-hop too.
    static func connectionTokens<Value: StringProtocol>(_ values: [Value]) -> [String] {
        values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    }

    /// Whether a field (by its lowercase name) stays on this hop: RFC 9110's list, or named by `Connection`.
    static func isHopByHop(_ canonicalName: String, listed: [String]) -> Bool {
        hopByHop.contains(canonicalName) || listed.contains(canonicalName)
    }

    /// The caller's fields minus hop-by-hop ones and `Host` (the client sets the app's), with the
    /// `X-Forwarded-*` trio: appended to when the peer is a trusted proxy, else replaced.
    static func requestHeaders(_ fields: HTTPFields, authority: String?, remoteAddress: String?, trusted: TrustedProxies) -> HTTPHeaders {
        let listed = connectionTokens(fields[values: .connection])
        let peerTrusted = trusted.contains(remoteAddress)
        var headers = HTTPHeaders()
        headers.reserveCapacity(fields.count + 3)
        for field in fields {
            let name = field.name.canonicalName
            if name == "host" || isHopByHop(name, listed: listed) { continue }
            if name.hasPrefix("x-forwarded-") && !peerTrusted { continue }
            headers.add(name: field.name.rawName, value: field.value)
        }
        func forwarded(_ name: String, _ value: String?) {
            guard let value else { return }
            if peerTrusted, let existing = headers.first(name: name) {
                headers.replaceOrAdd(name: name, value: existing + ", " + value)
            } else if !peerTrusted || headers.first(name: name) == nil {
                headers.replaceOrAdd(name: name, value: value)
            }
        }
        forwarded("X-Forwarded-For", remoteAddress)
        if !(peerTrusted && headers.first(name: "X-Forwarded-Proto") != nil) { headers.replaceOrAdd(name: "X-Forwarded-Proto", value: "http") }
        if !(peerTrusted && headers.first(name: "X-Forwarded-Host") != nil) {
            if let authority { headers.replaceOrAdd(name: "X-Forwarded-Host", value: authority) }
        }
        return headers
    }
}

/// Knows when AsyncHTTPClient has read the caller's body to its end (or failed reading it).
final class UploadTracker: Sendable {
    private let done = NIOLockedValueBox(false)

    var isDone: Bool { done.withLockedValue { $0 } }
    func finish() { done.withLockedValue { $0 = true } }

    /// Normally done already (the app read the body before answering); an app that answers
    /// early is given until the timeout to let the upload end.
    func waitUntilDone(atMost limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while !isDone && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(1))
        }
    }
}

/// The caller's body, telling `tracker` when it has been read to the end.
struct TrackedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: RequestBody
    let tracker: UploadTracker

    func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), tracker: tracker) }

    struct Iterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let tracker: UploadTracker

        mutating func next() async throws -> ByteBuffer? {
            do {
                let part = try await base.next()
                if part == nil { tracker.finish() }
                return part
            } catch {
                tracker.finish()
                throw error
            }
        }
    }
}
