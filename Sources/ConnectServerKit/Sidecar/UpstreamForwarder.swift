import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

/// Passes a request on to the app behind the sidecar and its answer back, both streamed:
/// method, path, query, headers and body unchanged, but for the hop-by-hop headers RFC 9110
/// (§7.6.1) says a proxy must not forward, and with `X-Forwarded-For/-Proto/-Host` added.
struct UpstreamForwarder: Sendable {
    let configuration: UpstreamConfiguration
    let pool: UpstreamConnectionPool
    /// Peers whose `X-Forwarded-*` fields are kept and appended to.
    let trusted: TrustedProxies

    init(configuration: UpstreamConfiguration, trusted: TrustedProxies) {
        self.configuration = configuration
        self.pool = UpstreamConnectionPool(url: configuration.url, connectTimeout: configuration.timeout)
        self.trusted = trusted
    }

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

    /// Fields a proxy consumes rather than forwards (plus any the `Connection` field names).
    static let hopByHop: Set<String> = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
                                        "proxy-authenticate", "proxy-authorization"]

    /// Request fields a `Connection` field cannot take off: what the sidecar's decision rests
    /// on (the token, the form it searched), so that what reaches the app is what was checked.
    /// The framing fields are not passed on at all: the forwarder sets its own.
    static let decisive: Set<String> = ["authorization", "x-acpt", "content-type", "cookie"]

    /// The app's answer, its body still streaming from the app unless it was small.
    func forward(_ request: Request, body: Body, remoteAddress: String?) async throws(Failure) -> Response {
        switch try await execute(request, body: body, remoteAddress: remoteAddress) {
        case .whole(let head, let body): Self.response(head, body: .init(byteBuffer: body))
        case .streaming(let head, let body): Self.response(head, body: ResponseBody(asyncSequence: body))
        }
    }

    /// The app's answer read whole (up to `limit` bytes): for lifecycle callbacks, whose answer
    /// is recorded before it is passed back.
    func exchange(_ request: Request, body: Body, remoteAddress: String?, limit: Int = 64 * 1024) async throws(Failure) -> Response {
        let answer = try await execute(request, body: body, remoteAddress: remoteAddress)
        var collected = ByteBuffer()
        switch answer {
        case .whole(_, let body):
            collected = body
        case .streaming(_, let body):
            var tooLarge = false
            do {
                for try await part in body {
                    tooLarge = collected.readableBytes + part.readableBytes > limit
                    if tooLarge { break }
                    collected.writeImmutableBuffer(part)
                }
            } catch {
                throw .unreachable("the app's answer broke off")
            }
            if tooLarge { throw .unreachable("the app's answer exceeded \(limit) bytes") }
        }
        return Self.response(answer.head, body: .init(byteBuffer: collected))
    }

    /// The app's answer as the caller gets it.
    private static func response(_ head: HTTPResponseHead, body: ResponseBody) -> Response {
        Response(status: status(head), headers: responseFields(head.headers), body: body)
    }

    private func execute(_ request: Request, body: Body, remoteAddress: String?) async throws(Failure) -> UpstreamAnswer {
        let endpoint = try pool.endpoint()
        var headers = Self.requestHeaders(request.headers, authority: request.head.authority, remoteAddress: remoteAddress, trusted: trusted)
        headers.replaceOrAdd(name: "Host", value: endpoint.authority)
        // The framing is ours, never the caller's fields passed on: a body sent without it is
        // read by the app as the next request (request smuggling).
        switch body {
        case .none where request.headers[.contentLength] != nil: headers.add(name: "Content-Length", value: "0")
        case .none: break
        case .stream(_, let length?): headers.add(name: "Content-Length", value: String(length))
        case .bytes(let buffer): headers.add(name: "Content-Length", value: String(buffer.readableBytes))
        case .stream(_, nil): headers.add(name: "Transfer-Encoding", value: "chunked")
        }
        let target = request.uri.string.hasPrefix("/") ? request.uri.string : "/" + request.uri.string
        let head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: request.method.rawValue), uri: endpoint.pathPrefix + target,
                                   headers: headers)
        let timeout = TimeAmount(configuration.timeout)
        switch body {
        case .none, .bytes:
            let bytes: ByteBuffer? = if case .bytes(let buffer) = body { buffer } else { nil }
            // A kept-alive connection the app closed while it sat idle fails before any answer
            // arrives: the request is sent once more, on another connection.
            var retried = false
            while true {
                let (connection, reused) = try await pool.connection()
                do {
                    return try await Self.answer(connection.onLoop { $0.start(head, body: bytes, ends: true, timeout: timeout) })
                } catch .closed(answerStarted: false, _) where reused && !retried {
                    retried = true
                } catch {
                    throw error.failure
                }
            }
        case .stream(let stream, _):
            let (connection, _) = try await pool.connection()
            let answer = connection.onLoop { $0.start(head, body: nil, ends: false, timeout: timeout) }
            do {
                // Written without waiting for each part, unless the connection's buffer is full:
                // waiting on every part made a 5 MB upload crawl on a busy machine (504 in CI).
                for try await part in stream {
                    let written = connection.onLoop { $0.write(part) }
                    if !connection.channel.isWritable { try await written.get() }
                }
                try await connection.onLoop { $0.end() }.get()
            } catch {
                // The caller's body broke off, or the app stopped reading it (it may have
                // answered already, and then that answer stands).
                connection.close()
            }
            do {
                return try await Self.answer(answer)
            } catch {
                throw error.failure
            }
        }
    }

    /// Waits for an exchange's answer.
    private static func answer(_ future: EventLoopFuture<UpstreamAnswer>) async throws(UpstreamExchangeHandler.ExchangeFailure) -> UpstreamAnswer {
        do {
            return try await future.get()
        } catch let failure as UpstreamExchangeHandler.ExchangeFailure {
            throw failure
        } catch {
            throw .closed(answerStarted: false, why: String(String(describing: error).prefix(200)))
        }
    }

    static func status(_ head: HTTPResponseHead) -> HTTPResponse.Status {
        HTTPResponse.Status(code: Int(head.status.code), reasonPhrase: head.status.reasonPhrase)
    }

    /// The app's fields minus hop-by-hop ones.
    static func responseFields(_ headers: HTTPHeaders) -> HTTPFields {
        // One pass for the `Connection` field (NIO's `canonicalForm` subscript cost 2.6 % of the
        // proxy's time), as rare in answers as the fields it names.
        var listed: [String] = []
        for header in headers where header.name.utf8.count == 10 && header.name.lowercased() == "connection" {
            listed += connectionTokens([header.value]).filter { !hopByHop.contains($0) }
        }
        var fields = HTTPFields()
        fields.reserveCapacity(headers.count)
        for header in headers {
            guard let name = HTTPField.Name(header.name), !isHopByHop(name.canonicalName, listed: listed) else { continue }
            fields.append(HTTPField(name: name, value: header.value))
        }
        return fields
    }

    /// The field names a `Connection` field lists, lowercased: hop-by-hop too.
    static func connectionTokens(_ values: [String]) -> [String] {
        // On bytes, by hand: Foundation's `trimmingCharacters(in:)` cost 2.5 % of the proxy's
        // time on the `Connection: keep-alive` most answers carry.
        func isSpace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var tokens: [String] = []
        for value in values {
            for part in value.utf8.split(separator: UInt8(ascii: ",")) {
                guard let first = part.firstIndex(where: { !isSpace($0) }), let last = part.lastIndex(where: { !isSpace($0) }) else { continue }
                tokens.append(String(decoding: part[first...last], as: UTF8.self).lowercased())
            }
        }
        return tokens
    }

    /// Whether a field (by its lowercase name) stays on this hop: RFC 9110's list, or named by `Connection`.
    static func isHopByHop(_ canonicalName: String, listed: [String]) -> Bool {
        hopByHop.contains(canonicalName) || listed.contains(canonicalName)
    }

    /// Fields only a proxy may set, which some frameworks honour as the client's address or the
    /// request's real path (`X-Original-URL` in IIS and Spring's filters; underscores because
    /// some servers map `X_Forwarded_For` onto `X-Forwarded-For`): kept from trusted proxies only.
    static let proxyOnly: Set<String> = ["forwarded", "x-real-ip", "x_forwarded_for", "x_forwarded_host", "x_forwarded_proto",
                                         "x-original-url", "x-rewrite-url", "x-client-ip", "true-client-ip", "x-cluster-client-ip"]

    /// The caller's fields minus hop-by-hop ones, `Host` (the client sets the app's) and the
    /// framing (set from the body as forwarded), with the `X-Forwarded-*` trio: appended to when
    /// the peer is a trusted proxy, else replaced. From any other peer, the fields that some
    /// frameworks read as the client's address or the request's real path are dropped.
    static func requestHeaders(_ fields: HTTPFields, authority: String?, remoteAddress: String?, trusted: TrustedProxies) -> HTTPHeaders {
        let listed = connectionTokens(fields[values: .connection]).filter { !decisive.contains($0) }
        let peerTrusted = trusted.contains(remoteAddress)
        var headers = HTTPHeaders()
        headers.reserveCapacity(fields.count + 3)
        for field in fields {
            let name = field.name.canonicalName
            if name == "host" || name == "content-length" || isHopByHop(name, listed: listed) { continue }
            if !peerTrusted && (name.hasPrefix("x-forwarded-") || proxyOnly.contains(name)) { continue }
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
