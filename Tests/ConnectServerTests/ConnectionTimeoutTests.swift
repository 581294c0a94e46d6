import AdminCore
import ConnectCore
import ConnectServerKit
import ConnectTestSupport
import Foundation
import NIOCore
import NIOPosix
import Testing

/// Slow and idle clients cannot hold the server: a request head that trickles in is cut
/// off at the head timeout, an idle connection at the idle timeout, and with the connection
/// cap filled by both kinds, `/healthz` still answers once they are closed.
@Suite struct ConnectionTimeoutTests {
    /// A raw TCP connection: what a slowloris client is.
    final class RawConnection: Sendable {
        let channel: any Channel
        init(port: Int) async throws {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in channel.eventLoop.makeSucceededVoidFuture() }
                .connect(host: "127.0.0.1", port: port).get()
        }
        func send(_ text: String) async {
            try? await channel.writeAndFlush(ByteBuffer(string: text)).get()
        }
        var isOpen: Bool { channel.isActive }
        /// Waits for the server to close it; false if it is still open after `limit`.
        func closedByServer(within limit: Duration) async -> Bool {
            let end = ContinuousClock.now + limit
            while channel.isActive && ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(50)) }
            return !channel.isActive
        }
    }

    @Test func slowAndIdleClientsAreClosedAndHealthChecksKeepAnswering() async throws {
        let server = try await ServerHarness.start(location: try await TestStoreBackend.sqlite.freshLocation()) {
            $0.requestHeadTimeout = .seconds(1)
            $0.idleTimeout = .seconds(12)
            $0.maxConnections = 20
        }
        // 15 clients trickle a request head, 15 connect and say nothing: more than the cap.
        var opened: [RawConnection] = []
        for _ in 0..<30 { opened.append(try await RawConnection(port: server.port)) }
        // Constants: the trickling task below reads `slow` while this test goes on.
        let slow = Array(opened[..<15]), idle = Array(opened[15...])
        for connection in slow { await connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n") }
        let trickle = Task {
            for round in 0..<100 where !Task.isCancelled {
                for connection in slow where connection.isOpen { await connection.send("X-\(round): y\r\n") }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        defer { trickle.cancel() }

        // The slow clients are cut off at the head timeout: well before the idle timeout
        // (12 s), the only other thing that would close them.
        let start = ContinuousClock.now
        for connection in slow {
            let left = max(.zero, .seconds(8) - (ContinuousClock.now - start))
            #expect(await connection.closedByServer(within: left), "a trickling request head is cut off at the head timeout")
        }
        // Health checks answer while the idle ones still hold their slots, and those are
        // closed at the idle timeout.
        let health = try await server.send(.GET, "/healthz", atRoot: true)
        #expect(health.status == 200)
        for connection in idle {
            #expect(await connection.closedByServer(within: .seconds(30)), "an idle connection is closed")
        }

        // A keep-alive connection between requests is governed by the idle timeout, not the head timeout.
        let keepAlive = try await RawConnection(port: server.port)
        await keepAlive.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        try await Task.sleep(for: .milliseconds(1500))  // longer than the head timeout, shorter than idle
        #expect(keepAlive.isOpen, "no head was started, so only the idle timeout applies")
        #expect(await keepAlive.closedByServer(within: .seconds(20)))
        await server.stop()
    }
}
