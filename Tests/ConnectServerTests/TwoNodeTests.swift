import AdminCore
import ConnectCore
import AsyncHTTPClient
import ConnectServerKit
import Foundation
import NIOHTTP1
import ConnectTestSupport
import Testing

/// Two `connect-server` processes sharing one PostgreSQL store: an install on one node
/// authenticates requests on the other, and both record their failures in the same store.
@Suite struct TwoNodeTests {
    @Test func installOnOneNodeAuthenticatesOnTheOther() async throws {
        let location = try await TestStoreBackend.postgres.freshLocation()
        guard case .postgres(let postgres) = location else { return }
        let url = "postgres://\(postgres.username):\(postgres.password ?? "")@\(postgres.host):\(postgres.port)/\(postgres.database)"
        // The in-process harness provides the install-keys server and host helpers; its own
        // server is a third node on the same store.
        let host = try await ServerHarness.start(location: location)
        defer { Task { await host.stop() } }
        let common = ["--store", url, "--base-url", host.baseURL, "--install-keys-url", "http://127.0.0.1:\(host.keysPort)"]
        let nodeA = try await ServerProcess.start(common + ["--node", "node-a"])
        defer { nodeA.stop() }
        let nodeB = try await ServerProcess.start(common + ["--node", "node-b"])
        defer { nodeB.stop() }

        let key = "jira:two-nodes", secret = "two-node-secret-0123456789abcdefghijklm"
        func send(_ node: ServerProcess, _ method: HTTPMethod, _ path: String, token: String?, body: [UInt8]? = nil) async throws -> Int {
            var request = HTTPClientRequest(url: "\(node.url)\(ServerHarness.appPath)\(path)")
            request.method = method
            if let token { request.headers.add(name: "Authorization", value: "JWT \(token)") }
            if let body { request.body = .bytes(body) }
            return Int(try await HTTPClient.shared.execute(request, timeout: .seconds(30)).status.code)
        }
        #expect(try await send(nodeA, .POST, "/installed", token: try host.installToken(clientKey: key),
                               body: ServerHarness.payload(key, event: .installed, secret: secret)) == 204)
        #expect(try await send(nodeB, .GET, "/pages/hello",
                               token: host.requestToken(clientKey: key, secret: secret, method: "GET", path: "/pages/hello")) == 200)
        #expect(try await send(nodeB, .GET, "/pages/hello", token: "forged.token.here") == 401)
        #expect(try await send(nodeA, .GET, "/pages/hello", token: nil) == 401)

        let events = try await host.store.history(HistoryQuery(clientKey: key))
        #expect(events.map(\.node) == ["node-a"])
        // Each node writes its failures within its flush interval.
        let deadline = ContinuousClock.now + .seconds(10)
        var nodes: Set<String> = []
        while ContinuousClock.now < deadline {
            nodes = Set(try await host.store.failures(FailureQuery()).map(\.node))
            if nodes == ["node-a", "node-b"] { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(nodes == ["node-a", "node-b"])

        // Both exit cleanly on SIGTERM (under scripts/tsan.sh, a race report would make it 66).
        for node in [nodeA, nodeB] {
            node.stop()
            #expect(node.process.terminationReason == .exit && node.process.terminationStatus == 0, "\(node.errorOutput)")
        }
    }
}
