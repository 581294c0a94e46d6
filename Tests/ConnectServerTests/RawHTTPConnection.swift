import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A TCP connection that sends bytes exactly as written and reads answers as bytes: for the
/// requests an HTTP client library would refuse to send or would rewrite (two `Host` fields, a
/// body on a GET, `..` and `%2F` in a path, pipelined requests).
final class RawHTTPConnection: Sendable {
    private let channel: any Channel
    private let received: NIOLockedValueBox<[UInt8]>

    /// An answer as read off the wire.
    struct Answer {
        var status: Int
        var headers: [(String, String)]
        var body: String
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    init(port: Int, connectTimeout: TimeAmount = .seconds(10)) async throws {
        let received = NIOLockedValueBox<[UInt8]>([])
        self.received = received
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(received: received)) }
            }
            .connect(host: "127.0.0.1", port: port).get()
    }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let received: NIOLockedValueBox<[UInt8]>
        init(received: NIOLockedValueBox<[UInt8]>) { self.received = received }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = Array(buffer: unwrapInboundIn(data))
            received.withLockedValue { $0 += bytes }
        }
    }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    func close() { channel.close(promise: nil) }

    /// The next answer on the connection (one of known length, or one ended by the server
    /// closing), waited for up to `limit`; `nil` when none came whole in that time.
    /// `bodiless`: the answer to a HEAD, whose `Content-Length` announces no body.
    func answer(within limit: Duration = .seconds(20), bodiless: Bool = false) async -> Answer? {
        let end = ContinuousClock.now + limit
        while ContinuousClock.now < end {
            let open = channel.isActive
            let parsed = received.withLockedValue { bytes -> Answer? in
                guard let (answer, used) = Self.parse(bytes, complete: !open, bodiless: bodiless) else { return nil }
                bytes.removeFirst(used)
                return answer
            }
            if let parsed { return parsed }
            if !open { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    /// One answer at the start of `bytes` and how many bytes it took, if it is all there.
    private static func parse(_ bytes: [UInt8], complete: Bool, bodiless: Bool) -> (Answer, Int)? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard bytes.count >= 4, let headEnd = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<$0 + 4]) == separator }) else { return nil }
        let lines = String(decoding: bytes[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else { return nil }
        let headers = lines.dropFirst().compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let bodyStart = headEnd + 4
        let length = bodiless ? 0 : headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) }
        if let length {
            guard bytes.count >= bodyStart + length else { return nil }
            return (Answer(status: status, headers: headers, body: String(decoding: bytes[bodyStart..<bodyStart + length], as: UTF8.self)), bodyStart + length)
        }
        if headers.contains(where: { $0.0.lowercased() == "transfer-encoding" }) || complete {
            guard complete else { return nil }
            return (Answer(status: status, headers: headers, body: String(decoding: bytes[bodyStart...], as: UTF8.self)), bytes.count)
        }
        return (Answer(status: status, headers: headers, body: ""), bodyStart)
    }

    /// One request on a new connection and its answer.
    static func exchange(port: Int, _ request: String) async throws -> Answer? {
        let connection = try await RawHTTPConnection(port: port)
        defer { connection.close() }
        try await connection.send(request)
        return await connection.answer(bodiless: request.hasPrefix("HEAD "))
    }
}
