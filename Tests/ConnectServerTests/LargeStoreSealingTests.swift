import AdminCore
import ConnectCore
import AsyncHTTPClient
import ConnectTestSupport
import Foundation
import NIOCore
import NIOConcurrencyHelpers
import Synchronization
import Testing

/// `store seal` and `store rekey` on a store of 100 000 tenants (and as many past secrets)
/// while a real connect-server keeps installing tenants into it; `rekey` killed with SIGKILL
/// half-way and run again. Afterwards every secret opens with the new key, none is plain,
/// and every install the server acknowledged is there with the secret it was sent.
///
/// Heavy (a few minutes of both cores): `scripts/test.sh` runs it on its own, after the rest.
@Suite(.serialized) struct LargeStoreSealingTests {
    static let tenantCount = 100_000

    /// Sends unsigned first installs (the server runs with --legacy-install) one after the
    /// other until stopped; remembers every one the server acknowledged. Paced (20 ms apart):
    /// what matters is that writes keep coming during the whole seal, not their rate, and
    /// `scripts/test.sh` runs the Thread Sanitizer build beside this test.
    final class Installer: Sendable {
        let base: String
        let prefix: String
        let acknowledged = NIOLockedValueBox([String: String]())
        /// Installs whose answer never came (an error or the client's timeout): the server may
        /// or may not have stored them.
        let unanswered = NIOLockedValueBox(Set<String>())
        let stopped = Atomic(false)

        init(base: String, prefix: String) {
            self.base = base
            self.prefix = prefix
        }

        func run() async {
            var index = 0
            while !stopped.load(ordering: .relaxed) {
                let clientKey = "jira:\(prefix)-\(index)"
                let secret = "\(prefix)-secret-\(index)-0123456789abcdefghijklmnop"
                let body = #"{"key":"com.example.connect-admin-demo","clientKey":"\#(clientKey)","sharedSecret":"\#(secret)","baseUrl":"https://\#(prefix)-\#(index).atlassian.net","productType":"jira","description":"","eventType":"installed"}"#
                var request = HTTPClientRequest(url: base + "/installed")
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: body))
                do {
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                    if response.status.code == 204 { acknowledged.withLockedValue { $0[clientKey] = secret } }
                } catch {
                    _ = unanswered.withLockedValue { $0.insert(clientKey) }
                }
                index += 1
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    static func admin(_ arguments: [String], in directory: URL) async throws -> CLIRunner.Result {
        try await CLIRunner.runOffPool(arguments, directory: directory)
    }

    static func secretsSummary(_ store: String, in directory: URL) async throws -> (plain: Int, sealed: [String: Int]) {
        let info = try await admin(["store", "info", "--json", "--store", store], in: directory)
        let object = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any]
        let secrets = object?["secrets"] as? [String: Any]
        return (secrets?["plain"] as? Int ?? -1, secrets?["sealed"] as? [String: Int] ?? [:])
    }

    /// Starts a seal or rekey and SIGKILLs it once it has sealed 20 000 values.
    static func killHalfway(_ arguments: [String], in directory: URL) async throws {
        let interrupted = try RunningCLI(arguments, directory: directory)
        let deadline = ContinuousClock.now + .seconds(600)
        while interrupted.process.isRunning, !interrupted.stderr.contains("sealed 20000 "), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(interrupted.process.isRunning, "\(arguments[1]) finished before it could be interrupted: \(interrupted.stderr.suffix(300))")
        interrupted.signal(SIGKILL)
        _ = await interrupted.waitForExit()
    }

    @Test(arguments: TestStoreBackend.allCases)
    func sealAndRekeyWhileAServerInstalls(_ backend: TestStoreBackend) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("large-seal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let location = try await backend.freshLocation()
        let store = location.argumentForTools
        let seeded = try await Self.admin(["dev", "seed", "--store", store, "--tenants", "\(Self.tenantCount)", "--failures", "0",
                                     "--events", "\(Self.tenantCount)"], in: directory)
        #expect(seeded.status == 0, "\(seeded.stderr)")
        #expect(try await Self.admin(["store", "keygen", "k1"], in: directory).status == 0)
        #expect(try await Self.admin(["store", "keygen", "k2"], in: directory).status == 0)
        let k1 = directory.appendingPathComponent("k1").path, k2 = directory.appendingPathComponent("k2").path
        let plainBefore = try await Self.secretsSummary(store, in: directory).plain
        #expect(plainBefore == 2 * Self.tenantCount)

        // Seal while the server (already holding the key) installs.
        var server = try await ServerProcess.start(["--base-url", "https://x", "--store", store, "--legacy-install", "--secret-key-file", k1])
        let first = Installer(base: server.url, prefix: "during-seal")
        let firstRun = Task { await first.run() }
        // SIGKILLed half-way: some values sealed, the rest plain, none lost; run again, it finishes.
        try await Self.killHalfway(["store", "seal", "--store", store, "--secret-key-file", k1], in: directory)
        let halfSealed = try await Self.secretsSummary(store, in: directory)
        #expect(halfSealed.plain > 0 && halfSealed.sealed.count == 1, "\(halfSealed)")
        let sealed = try await Self.admin(["store", "seal", "--store", store, "--secret-key-file", k1], in: directory)
        first.stopped.store(true, ordering: .relaxed)
        await firstRun.value
        server.stop()
        #expect(sealed.status == 0, "\(sealed.stderr)")
        #expect(first.acknowledged.withLockedValue { $0.count } > 0, "the server installed tenants while the store was sealed")
        let afterSeal = try await Self.secretsSummary(store, in: directory)
        #expect(afterSeal.plain == 0, "a value written while sealing stayed plain")

        // Re-key while the server (new key first, old one to read) installs; SIGKILL half-way.
        server = try await ServerProcess.start(["--base-url", "https://x", "--store", store, "--legacy-install",
                                                "--secret-key-file", k2, "--secret-key-file", k1])
        let second = Installer(base: server.url, prefix: "during-rekey")
        let secondRun = Task { await second.run() }
        try await Self.killHalfway(["store", "rekey", "--store", store, "--new-key-file", k2, "--secret-key-file", k1], in: directory)
        let halfway = try await Self.secretsSummary(store, in: directory)
        #expect(halfway.plain == 0)
        #expect(halfway.sealed.count == 2, "both keys in use after the interruption: \(halfway.sealed)")
        let resumed = try await Self.admin(["store", "rekey", "--store", store, "--new-key-file", k2, "--secret-key-file", k1], in: directory)
        second.stopped.store(true, ordering: .relaxed)
        await secondRun.value
        server.stop()
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let afterRekey = try await Self.secretsSummary(store, in: directory)
        #expect(afterRekey.plain == 0)
        #expect(afterRekey.sealed.count == 1)

        // Every tenant opens with the new key alone; every acknowledged install kept its secret.
        let listed = try await Self.admin(["tenants", "--json", "--reveal-secrets", "--store", store, "--secret-key-file", k2], in: directory)
        #expect(listed.status == 0, "\(listed.stderr.prefix(500))")
        var revealed: [String: String] = [:]
        for line in listed.stdout.split(separator: "\n") {
            guard let row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let key = row["clientKey"] as? String, let secret = row["sharedSecret"] as? String else { continue }
            revealed[key] = secret
        }
        let installed = first.acknowledged.withLockedValue { $0 }.merging(second.acknowledged.withLockedValue { $0 }) { _, new in new }
        let unanswered = first.unanswered.withLockedValue { $0 }.union(second.unanswered.withLockedValue { $0 })
        // Nothing but the seeded tenants, the acknowledged installs and, perhaps, installs whose
        // answer was lost (CI once stored one whose client had given up).
        #expect(revealed.keys.filter { !$0.hasPrefix("jira:during-") }.count == Self.tenantCount, "the seeded tenants are not all there")
        let installedHere = Set(revealed.keys.filter { $0.hasPrefix("jira:during-") })
        #expect(installedHere.isSuperset(of: installed.keys))
        #expect(installedHere.subtracting(installed.keys).isSubset(of: unanswered), "tenants nobody installed")
        #expect(afterRekey.sealed.values.first == 2 * revealed.count)
        for (clientKey, secret) in installed where revealed[clientKey] != secret {
            Issue.record("\(clientKey): the secret its install sent is not the one stored")
        }
    }
}
