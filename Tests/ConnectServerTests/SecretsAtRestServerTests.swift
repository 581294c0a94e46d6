import AdminCore
import ConnectCore
import ConnectTestSupport
import Foundation
import Testing

/// connect-server with a key: installs through real HTTP leave no secret in the store's own
/// dump (`sqlite3 .dump`, `pg_dump`), requests authenticate with the sealed secret, and a
/// tampered value is refused with `secret_unavailable` (never used).
@Suite(.serialized) struct SecretsAtRestServerTests {
    /// The engine's own dump of the whole store.
    static func dump(_ location: StoreLocation) throws -> String {
        switch location {
        case .sqlite(let path):
            return try ToolCommand.output(["sqlite3", path, ".dump"])
        case .postgres:
            let candidates = ["/usr/bin/pg_dump"] + ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
                .sorted().reversed().map { "/usr/lib/postgresql/\($0)/bin/pg_dump" }
            guard let pgDump = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                throw TestSetupError("pg_dump not found: install postgresql-client")
            }
            return try ToolCommand.output([pgDump, "--data-only", "-d", location.argumentForTools])
        default:
            throw TestSetupError("no dump for \(location)")
        }
    }

    @Test(arguments: TestStoreBackend.allCases)
    func installsThroughTheServerLeaveNoSecretInTheDump(_ backend: TestStoreBackend) async throws {
        let key = SecretKey.generate()
        let location = try await backend.freshLocation()
        let server = try await ServerHarness.start(location: location, keyRing: SecretKeyRing(keys: [key]))
        let run = UUID().uuidString.prefix(8)
        let secrets = (0..<4).map { "server-secret-\(run)-\($0)-0123456789abcdefghij" }
        for index in 0..<3 { try await server.install("jira:sealed\(index)", secret: secrets[index]) }
        try await server.install("jira:sealed0", secret: secrets[3])  // a signed reinstall: the secret rotates

        let page = try await server.send(.GET, "/pages/hello", token: server.requestToken(clientKey: "jira:sealed0", secret: secrets[3], method: "GET", path: "/pages/hello"))
        #expect(page.status == 200, "a request signed with the sealed secret authenticates")
        let stale = try await server.send(.GET, "/pages/hello", token: server.requestToken(clientKey: "jira:sealed0", secret: secrets[0], method: "GET", path: "/pages/hello"))
        #expect(stale.status == 401)

        let dump = try Self.dump(location)
        #expect(dump.contains("v1:\(key.id):"), "the dump shows the sealed column")
        #expect(dump.contains(SharedSecret(secrets[3]).fingerprint), "fingerprints stay in clear")
        for secret in secrets { #expect(!dump.contains(secret), "a secret is in the dump") }

        // A sealed value copied onto another tenant's row: refused as tampered, never used.
        try await Self.copySecret(from: "jira:sealed2", to: "jira:sealed1", in: location)
        // The server's tenant cache holds the row it read before for up to a second: ask until
        // it reads the row again.
        func ask() async throws -> ServerHarness.HTTPResult {
            try await server.send(.GET, "/pages/hello", token: server.requestToken(clientKey: "jira:sealed1", secret: secrets[1], method: "GET", path: "/pages/hello"))
        }
        var tampered = try await ask()
        let deadline = ContinuousClock.now + .seconds(20)
        while tampered.status == 200, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            tampered = try await ask()
        }
        #expect(tampered.status == 401)
        #expect(tampered.headers.first(name: "X-Connect-Auth-Reason") == "secret_unavailable")
        await server.flushFailures()
        let failures = try await server.store.failures(FailureQuery(clientKey: "jira:sealed1", limit: 5))
        #expect(failures.first?.reason == .secretUnavailable)
        #expect(failures.first?.detail.contains("tampered") == true)
        await server.stop()
    }

    /// connect-server refuses to start on a store it could not serve: secrets sealed under a
    /// key it was not given (naming the key id), or plain ones under --require-sealed.
    @Test func serverRefusesToStartOnAStoreItCannotOpen() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sealed-start-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let keyFile = directory.appendingPathComponent("k1").path, otherFile = directory.appendingPathComponent("k2").path
        let key = try SecretKey.create(file: keyFile)
        _ = try SecretKey.create(file: otherFile)
        let plainPath = directory.appendingPathComponent("plain.sqlite").path, sealedPath = directory.appendingPathComponent("sealed.sqlite").path
        for (path, ring) in [(plainPath, SecretKeyRing.none), (sealedPath, SecretKeyRing(keys: [key]))] {
            let store = try await ConnectStore.open(.sqlite(path: path), keyRing: ring)
            try await store.importRows(tenants: [Tenant(clientKey: "jira:one", addonKey: "a", baseUrl: "https://one.example", productType: "jira",
                                                        secret: .open(SharedSecret("start-secret-0123456789abcdefghijklm")), state: .installed,
                                                        installedAt: Date(), updatedAt: Date())], secrets: [], events: [])
            await store.close()
        }
        func start(_ path: String, _ extra: [String]) throws -> (Int32, String) {
            try ServerCommandLineTests.run(["--port", "0", "--base-url", "https://x", "--store", "sqlite:" + path] + extra)
        }
        for extra in [[], ["--secret-key-file", otherFile]] {
            let refused = try start(sealedPath, extra)
            #expect(refused.0 == 2, "\(refused.1)")
            #expect(refused.1.contains("sealed with key id \(key.id), which is not in the key ring"), "\(refused.1)")
        }
        let plain = try start(plainPath, ["--secret-key-file", keyFile, "--require-sealed"])
        #expect(plain.0 == 2)
        #expect(plain.1.contains("holds 1 plain secrets and --require-sealed is set"), "\(plain.1)")
        let keyless = try start(sealedPath, ["--require-sealed"])
        #expect(keyless.0 == 2)
        #expect(keyless.1.contains("--require-sealed needs"), "\(keyless.1)")
        let badKey = try start(sealedPath, ["--secret-key-file", directory.appendingPathComponent("missing").path])
        #expect(badKey.0 == 2)
        #expect(badKey.1.contains("cannot read key file"), "\(badKey.1)")
        // With its key (from systemd's credentials directory) it starts.
        let credentials = directory.appendingPathComponent("credentials")
        try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: keyFile, toPath: credentials.appendingPathComponent("connect-secret-key").path)
        let server = try await ServerProcess.start(["--base-url", "https://x", "--store", "sqlite:" + sealedPath, "--require-sealed"],
                                                   environment: ["CREDENTIALS_DIRECTORY": credentials.path])
        server.stop()
    }

    /// Copies one tenant's sealed `shared_secret` onto another's row, as an attacker with
    /// write access to the database might.
    static func copySecret(from source: String, to target: String, in location: StoreLocation) async throws {
        let sql = "UPDATE tenant SET shared_secret = (SELECT shared_secret FROM tenant WHERE client_key = '\(source)') WHERE client_key = '\(target)'"
        switch location {
        case .sqlite(let path): _ = try ToolCommand.output(["sqlite3", path, sql])
        case .postgres: _ = try ToolCommand.output(["psql", "-q", "-d", location.argumentForTools, "-c", sql])
        default: break
        }
    }
}
