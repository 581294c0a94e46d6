import AdminCore
import ConnectCore
import ConnectServerKit
import ConnectTestSupport
import Foundation
import NIOHTTP1
import Testing

/// PostgreSQL goes away under a running server (its own throwaway server, stopped and
/// started again): requests that need the store are answered 503 with `Retry-After` within
/// seconds instead of hanging, nothing is recorded against the tenant, `/healthz` stays 200,
/// `/readyz` says 503, and everything recovers by itself.
@Suite struct OutageTests {
    typealias H = ServerHarness
    static let secret = "outage-secret-0123456789abcdefghijklmnopq"

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/throwaway-postgres.sh").path

    /// Runs the throwaway-postgres script and returns what it printed. `posix_spawn` and
    /// `waitpid`, not `Process`: Foundation's Process waits on descriptors that the PostgreSQL
    /// server the script starts inherits, and would never return.
    static func postgres(_ arguments: [String]) throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("pg-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = (["/bin/bash", script] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        guard posix_spawn(&pid, "/bin/bash", &actions, nil, argv, environ) == 0 else { throw TestSetupError("cannot run \(script)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard status == 0 else { throw TestSetupError("throwaway-postgres.sh \(arguments) failed (status \(status))") }
        return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    }

    /// Sends until `done` holds for the answer, or fails after `deadline`.
    static func until(_ deadline: Duration, _ send: () async throws -> H.HTTPResult, _ done: (H.HTTPResult) -> Bool) async throws -> H.HTTPResult {
        let end = ContinuousClock.now + deadline
        while true {
            let result = try await send()
            if done(result) || ContinuousClock.now > end { return result }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    @Test func postgresOutageIsAnswered503AndRecoversByItself() async throws {
        guard TestStoreBackend.postgresURL != nil else { return }  // PostgreSQL is installed where the suites run
        let started = try Self.postgres(["start"])
        func value(_ name: String) -> String? {
            started.split(separator: "\n").first { $0.contains(name + "=") }
                .map { String($0.split(separator: "=", maxSplits: 1)[1]).trimmingCharacters(in: CharacterSet(charactersIn: "'")) }
        }
        let url = try #require(value("CONNECT_TEST_POSTGRES_URL")), directory = try #require(value("CONNECT_TEST_POSTGRES_DIR"))
        defer { _ = try? Self.postgres(["stop", directory]) }
        // A deadline a busy 2-core machine meets for healthy writes (2 s was missed once by the
        // very first write on a fresh server), and far below what a hang would take.
        let server = try await H.start(location: try StoreLocation.named(url)) { $0.storeTimeout = .seconds(4) }
        let key = "jira:outage"
        try await server.install(key, secret: Self.secret)
        let valid = { try await server.send(.GET, "/pages/hello", token: server.requestToken(clientKey: key, secret: Self.secret, method: "GET", path: "/pages/hello")) }
        #expect(try await valid().status == 200)
        #expect(try await server.send(.GET, "/readyz", atRoot: true).status == 200)

        _ = try Self.postgres(["pause", directory])
        // Once the cached tenant row expires, the valid request needs the store: 503, not a hang.
        let start = ContinuousClock.now
        let refused = try await Self.until(.seconds(30), valid) { $0.status != 200 }
        #expect(refused.status == 503)
        #expect(refused.headers.first(name: "Retry-After") == "5")
        let timed = ContinuousClock.now
        let unknown = try await server.send(.GET, "/pages/hello", token: server.requestToken(clientKey: "jira:nobody", secret: Self.secret,
                                                                                           method: "GET", path: "/pages/hello"))
        #expect(unknown.status == 503)
        let install = try await server.lifecycle(.installed, token: try server.installToken(clientKey: "jira:during-outage"),
                                                 body: H.payload("jira:during-outage", event: .installed, secret: Self.secret))
        #expect(install.status == 503)
        #expect(ContinuousClock.now - timed < .seconds(25), "answered within the store deadline (3 requests × 4 s), not hung (\(ContinuousClock.now - start) in all)")
        #expect(try await server.send(.GET, "/healthz", atRoot: true).status == 200, "liveness does not depend on the store")
        #expect(try await server.send(.GET, "/readyz", atRoot: true).status == 503)
        #expect(server.app.health.isDown)

        _ = try Self.postgres(["resume", directory])
        let ready = try await Self.until(.seconds(60), { try await server.send(.GET, "/readyz", atRoot: true) }) { $0.status == 200 }
        #expect(ready.status == 200, "recovers by itself")
        let recovered = try await Self.until(.seconds(30), valid) { $0.status == 200 }
        #expect(recovered.status == 200, "\(recovered.body)")
        await server.flushFailures()
        #expect(try await server.store.failures(FailureQuery(clientKey: key)).isEmpty, "an outage is not the tenant's auth failure")
        #expect(try await server.store.failures(FailureQuery(clientKey: "jira:nobody")).isEmpty)
        #expect(!server.app.health.isDown)
        await server.stop()
    }
}
