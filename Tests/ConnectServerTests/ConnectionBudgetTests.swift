import AsyncHTTPClient
import ConnectServerKit
import ConnectTestSupport
import Foundation
import Testing

/// Out of file descriptors, `accept` fails: the red team held 1 100 idle connections against a
/// server with systemd's 1 024 open files and the default cap of 1 024, and it burnt a core while
/// `/healthz` timed out (N5). The default cap is now what the open-file limit leaves room for.
@Suite struct ConnectionBudgetTests {
    @Test func theDefaultCapIsWhatTheOpenFilesLeaveRoomFor() {
        #expect(ConnectionBudget(descriptors: 1024, sidecar: false).connections == 960)
        // Two descriptors a request behind the sidecar, and the app's idle connections.
        #expect(ConnectionBudget(descriptors: 1024, sidecar: true).connections == 352)
        #expect(ConnectionBudget(descriptors: 100, sidecar: true).connections == 16)
        #expect(ConnectionBudget(descriptors: 1024, sidecar: false).warning(for: 1024)?.contains("LimitNOFILE") == true)
        #expect(ConnectionBudget(descriptors: 1024, sidecar: false).warning(for: 960) == nil)
    }

    /// A server with 256 open files and hundreds of idle connections held against it: it takes what
    /// fits, does not spin, says nothing of running out, and answers again once they are closed.
    @Test func moreIdleConnectionsThanOpenFilesNeitherSpinNorStarveTheServer() async throws {
        let store = "sqlite:" + FileManager.default.temporaryDirectory.appendingPathComponent("budget-\(UUID().uuidString).sqlite").path
        let server = try await ServerProcess.start(["--base-url", "https://app.example.test", "--store", store, "--idle-timeout", "30"], openFiles: 256)
        defer { server.stop() }
        // As many as the kernel queues, up to 1 100: the server takes what fits, the rest wait.
        var held: [RawHTTPConnection] = []
        while held.count < 1100, let connection = try? await RawHTTPConnection(port: server.port, connectTimeout: .seconds(2)) {
            held.append(connection)
        }
        #expect(held.count > 256, "only \(held.count) connections could be opened")
        // Past its open files the server's accept loop spun: 0.9 of a core with --max-connections
        // 1024 here, against 0.04 with the cap the budget sets.
        let before = server.cpuSeconds
        try await Task.sleep(for: .seconds(3))
        let used = server.cpuSeconds - before
        #expect(used < 1.5, "the server used \(used) s of CPU in 3 s while connections waited")
        for connection in held { connection.close() }
        held.removeAll()
        var healthy = false
        let deadline = ContinuousClock.now + .seconds(60)
        while !healthy && ContinuousClock.now < deadline {
            healthy = (try? await HTTPClient.shared.execute(.init(url: server.url + "/healthz"), timeout: .seconds(2)))?.status.code == 200
            if !healthy { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(healthy, "/healthz never answered again")
        #expect(!server.errorOutput.contains("Too many open files"), "\(server.errorOutput.suffix(500))")
    }
}
