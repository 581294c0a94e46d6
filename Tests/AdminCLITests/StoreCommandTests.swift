import AdminCore
import ConnectCore
import Crypto
import ConnectTestSupport
import Foundation
import Testing

/// The store commands through the real binary, on real SQLite files.
@Suite struct StoreCommandTests {
    /// A directory with a seeded store, `connect.sqlite`.
    static func seededDirectory(tenants: Int = 60, failures: Int = 300, events: Int = 150) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cli-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let seeded = try CLIRunner.run(["dev", "seed", "--tenants", "\(tenants)", "--failures", "\(failures)", "--events", "\(events)"],
                                       directory: directory)
        #expect(seeded.status == 0, "\(seeded.stderr)")
        return directory
    }

    static func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    /// A flood of rejected callbacks folded into a few rows still counts as the flood: the
    /// table shows each row's count and the JSON carries it, so a script summing `count` gets
    /// every attempt, not the number of rows.
    @Test func historyShowsHowManyCallbacksAFoldedRowStandsFor() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cli-history-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try await ConnectStore.open(.sqlite(path: directory.appendingPathComponent("connect.sqlite").path))
        let counts = [1, 2_500, 499]
        for (index, count) in counts.enumerated() {
            let event = InstallEvent(at: Date(timeIntervalSince1970: 1_800_000_000 + Double(index)), node: "n1", clientKey: "jira:flooded",
                                     eventType: .installed, outcome: .rejected, reason: .badSignature, auth: "rs256:k1", count: count)
            try await store.record(InstallDecision(event: event, tenant: nil))
        }
        await store.close()
        let json = try await CLIRunner.runOffPool(["history", "--json"], directory: directory)
        #expect(json.status == 0, "\(json.stderr)")
        let rows = try Self.jsonLines(json.stdout)
        #expect(rows.count == 3)
        #expect(rows.compactMap { $0["count"] as? Int }.reduce(0, +) == 3_000, "\(rows)")
        let table = try await CLIRunner.runOffPool(["history"], directory: directory)
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.first?.split(separator: " ").contains("N") == true, "\(table.stdout)")
        #expect(lines.contains { $0.contains("x2500") } && lines.contains { $0.contains("x499") }, "\(table.stdout)")
    }

    @Test func storeFileIsPrivateAndDefaultLocationIsTheWorkingDirectory() throws {
        let directory = try Self.seededDirectory()
        for name in ["connect.sqlite", "connect.sqlite-wal", "connect.sqlite-shm"] {
            let path = directory.appendingPathComponent(name).path
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(name)")
        }
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("connect.sqlite").path))
    }

    @Test func tenantsJSONCarriesTheDesignFieldsAndNoSecretUnlessAsked() throws {
        let directory = try Self.seededDirectory()
        let result = try CLIRunner.run(["tenants", "--json"], directory: directory)
        #expect(result.status == 0)
        let rows = try Self.jsonLines(result.stdout)
        #expect(rows.count == 60)
        for key in ["clientKey", "baseUrl", "productType", "state", "secretFingerprint", "installedAt", "updatedAt"] {
            #expect(rows.allSatisfy { $0[key] is String }, "\(key)")
        }
        #expect(rows.allSatisfy { $0["sharedSecret"] == nil })
        #expect(rows.allSatisfy { ($0["installedAt"] as? String)?.hasSuffix("Z") == true })
        let revealed = try Self.jsonLines(try CLIRunner.run(["tenants", "--json", "--reveal-secrets", "--limit", "3"], directory: directory).stdout)
        #expect(revealed.count == 3)
        for row in revealed {
            let secret = try #require(row["sharedSecret"] as? String)
            #expect(SharedSecret.fingerprint(of: secret) == row["secretFingerprint"] as? String)
        }
        // Human output never carries secrets.
        let table = try CLIRunner.run(["tenants"], directory: directory)
        for row in revealed { #expect(!table.stdout.contains(row["sharedSecret"] as? String ?? "?")) }
    }

    /// `--limit 0` means all rows in every command, and `failures` says when its limit cut.
    @Test func limitZeroIsAllAndACutIsSaid() throws {
        let directory = try Self.seededDirectory(tenants: 20, failures: 1500, events: 40)
        let ten = try CLIRunner.run(["failures", "--json", "--limit", "10"], directory: directory)
        #expect(try Self.jsonLines(ten.stdout).count == 10)
        #expect(ten.stderr.contains("showing the newest 10 failures; there are more"))
        let all = try CLIRunner.run(["failures", "--json", "--limit", "0"], directory: directory)
        let rows = try Self.jsonLines(all.stdout)
        #expect(rows.count == 1500)  // more than one page of 1000
        #expect(Set(rows.compactMap { $0["id"] as? Int }).count == 1500)
        #expect(!all.stderr.contains("there are more"))
        let exact = try CLIRunner.run(["failures", "--json", "--limit", "1500"], directory: directory)
        #expect(try Self.jsonLines(exact.stdout).count == 1500 && !exact.stderr.contains("there are more"))
        for command in [["history"], ["tenants"]] {
            let everything = try CLIRunner.run(command + ["--json", "--limit", "0"], directory: directory)
            #expect(everything.status == 0, "\(command)")
            #expect(try Self.jsonLines(everything.stdout).count == (command == ["history"] ? 40 : 20), "\(command)")
        }
        #expect(try CLIRunner.run(["history", "--limit", "-1"], directory: directory).status == 2)
    }

    /// Deleting (nearly) every failure needs --yes; without it nothing is deleted.
    @Test func pruningEverythingNeedsYes() throws {
        let directory = try Self.seededDirectory(tenants: 5, failures: 40, events: 5)
        let count = { try Self.jsonLines(CLIRunner.run(["failures", "--json", "--limit", "1000"], directory: directory).stdout).count }
        let before = try count()
        #expect(before == 40)
        let refused = try CLIRunner.run(["store", "prune", "--older-than", "0s"], directory: directory)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("--yes"))
        #expect(try count() == before)
        let confirmed = try CLIRunner.run(["store", "prune", "--older-than", "0s", "--yes"], directory: directory)
        #expect(confirmed.status == 0, "\(confirmed.stderr)")
        #expect(try count() == 0)
    }

    @Test func storeOptionBeforeOrAfterTheSubcommand() throws {
        let directory = try Self.seededDirectory()
        let path = directory.appendingPathComponent("connect.sqlite").path
        let elsewhere = FileManager.default.temporaryDirectory
        let before = try CLIRunner.run(["--store", "sqlite:\(path)", "history", "--json", "--limit", "5"], directory: elsewhere)
        let after = try CLIRunner.run(["history", "--json", "--limit", "5", "--store", "sqlite://\(path)"], directory: elsewhere)
        let env = try CLIRunner.run(["history", "--json", "--limit", "5"], environment: ["CONNECT_STORE": "sqlite:\(path)"], directory: elsewhere)
        #expect(before.status == 0 && after.status == 0 && env.status == 0)
        #expect(before.stdout == after.stdout)
        #expect(before.stdout == env.stdout)
        let events = try Self.jsonLines(before.stdout)
        #expect(events.count == 5)
        for key in ["at", "clientKey", "eventType", "outcome", "auth"] { #expect(events.allSatisfy { $0[key] is String }, "\(key)") }
        #expect(events.allSatisfy { $0.keys.contains("reason") && $0.keys.contains("fingerprintBefore") && $0.keys.contains("fingerprintAfter") })
    }

    @Test func failuresFilterAndJSON() throws {
        let directory = try Self.seededDirectory()
        let result = try CLIRunner.run(["failures", "--reason", "expired", "--since", "2h", "--limit", "1000", "--json"], directory: directory)
        #expect(result.status == 0)
        let rows = try Self.jsonLines(result.stdout)
        #expect(!rows.isEmpty)
        #expect(rows.allSatisfy { $0["reason"] as? String == "expired" })
        for key in ["at", "reason", "detail", "method", "path", "node"] { #expect(rows.allSatisfy { $0[key] is String }, "\(key)") }
        #expect(rows.allSatisfy { $0["count"] is Int })
        let bad = try CLIRunner.run(["failures", "--reason", "nope"], directory: directory)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("not a reason code"))
        #expect(try CLIRunner.run(["failures", "--since", "yesterday"], directory: directory).status == 2)
    }

    @Test func secretCheckAnswersCurrentStaleAndUnknown() async throws {
        let directory = try Self.seededDirectory(tenants: 40, failures: 10, events: 200)
        let location = StoreLocation.sqlite(path: directory.appendingPathComponent("connect.sqlite").path)
        let store = try await ConnectStoreReader.open(location)
        // A tenant whose secret rotated at least once.
        var rotated: (String, [SecretHistoryEntry])?
        for row in try await store.tenants(TenantQuery(limit: 40)).rows {
            let history = try await store.secretHistory(clientKey: row.tenant.clientKey)
            if history.count > 1 { rotated = (row.tenant.clientKey, history); break }
        }
        await store.close()
        let (key, history) = try #require(rotated)
        let current = try CLIRunner.run(["secret", "check", "--tenant", key, "--fingerprint", history[0].fingerprint, "--json"], directory: directory)
        #expect(current.status == 0)
        #expect(try Self.jsonLines(current.stdout).first?["answer"] as? String == "current")
        let staleFile = try CLIRunner.temporaryFile(try history[1].secret.opened().reveal())
        let stale = try CLIRunner.run(["secret", "check", "--tenant", key, "--secret-file", staleFile], directory: directory)
        #expect(stale.status == 1)
        #expect(stale.stdout.hasPrefix("stale:"))
        #expect(!stale.stdout.contains(try history[1].secret.opened().reveal()))
        let unknown = try CLIRunner.run(["secret", "check", "--tenant", key, "--fingerprint", "0123456789abcdef"], directory: directory)
        #expect(unknown.status == 1)
        #expect(unknown.stdout.hasPrefix("unknown:"))
        // A token signed with the stale secret: verify names the secret it matches.
        let token = ConnectTokenSigner.hs256(claims: ConnectClaims(issuer: key, issuedAt: UnixTime.now(), request: CanonicalRequest(method: "GET", url: "/x")).object,
                                             secret: try history[1].secret.opened())
        let verified = try CLIRunner.run(["jwt", "verify", token, "--tenant", key, "--method", "GET", "--url", "/x", "--json"], directory: directory)
        #expect(verified.status == 1)
        let report = try #require(try Self.jsonLines(verified.stdout).first)
        #expect((report["secretMatch"] as? [String: Any])?["answer"] as? String == "stale")
        #expect((report["checks"] as? [[String: Any]])?.contains { $0["reason"] as? String == "bad_signature" } == true)
        // And jwt sign --tenant signs with the current secret.
        let signed = try CLIRunner.run(["jwt", "sign", "--tenant", key, "--method", "GET", "--url", "/x"], directory: directory)
        #expect(signed.status == 0)
        let again = try CLIRunner.run(["jwt", "verify", signed.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "--tenant", key,
                                       "--method", "GET", "--url", "/x"], directory: directory)
        #expect(again.status == 0)
    }

    /// Every bad store gives one sentence, exit 3, and leaves the file as it was.
    @Test func badStoresExit3AndAreLeftUntouched() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bad-stores-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("adir"), withIntermediateDirectories: true)
        let notSQLite = directory.appendingPathComponent("notes.txt")
        try Data("these are my notes, not a database\n".utf8).write(to: notSQLite)
        let seeded = try Self.seededDirectory(tenants: 5, failures: 5, events: 5)
        let corrupted = directory.appendingPathComponent("corrupted.sqlite")
        _ = try CLIRunner.run(["store", "info"], directory: seeded)  // checkpoint: reopening flushes nothing, the file is complete
        var bytes = try Data(contentsOf: seeded.appendingPathComponent("connect.sqlite"))
        bytes.replaceSubrange(100..<min(bytes.count, 3000), with: Data(repeating: 0xFF, count: min(bytes.count, 3000) - 100))
        try bytes.write(to: corrupted)

        let cases: [(String, String)] = [
            ("sqlite:\(directory.appendingPathComponent("adir").path)", "is a directory"),
            ("sqlite:\(notSQLite.path)", "not a SQLite database"),
            ("sqlite:\(corrupted.path)", "corrupted"),
            ("sqlite:\(directory.appendingPathComponent("missing.sqlite").path)", "no store at"),
        ]
        for (url, phrase) in cases {
            let before = Self.digest(url)
            for command in [["tenants"], ["history"], ["failures"], ["store", "info"]] {
                let result = try CLIRunner.run(command + ["--store", url], directory: directory)
                #expect(result.status == 3, "\(command) \(url)")
                #expect(result.stderr.contains(phrase), "\(command) \(url): \(result.stderr)")
                #expect(result.stderr.split(separator: "\n").count == 1, "one sentence: \(result.stderr)")
                #expect(result.stdout.isEmpty)
            }
            #expect(Self.digest(url) == before, "\(url) must not be modified")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("missing.sqlite").path))
        let unknown = try CLIRunner.run(["tenants", "--store", "mysql://db"], directory: directory)
        #expect(unknown.status == 2)
    }

    @Test func postgresWrongPasswordAndUnreachablePortExit3() throws {
        guard let url = ProcessInfo.processInfo.environment["CONNECT_TEST_POSTGRES_URL"],
              case .postgres(let location) = try StoreLocation.named(url) else {
            Issue.record("CONNECT_TEST_POSTGRES_URL is not set: run scripts/test.sh, which starts a throwaway PostgreSQL")
            return
        }
        let wrongPassword = "postgres://\(location.username):not-the-password@\(location.host):\(location.port)/\(location.database)"
        let result = try CLIRunner.run(["tenants", "--store", wrongPassword])
        #expect(result.status == 3)
        #expect(result.stderr.contains("check the user and password"))
        #expect(!result.stderr.contains("not-the-password"))
        let closedPort = try CLIRunner.run(["tenants", "--store", "postgres://u:p@127.0.0.1:1/db"])
        #expect(closedPort.status == 3)
        #expect(closedPort.stderr.contains("cannot reach PostgreSQL"))
        #expect(closedPort.stderr.split(separator: "\n").count == 1)
    }

    static func digest(_ url: String) -> String? {
        let path = String(url.dropFirst("sqlite:".count))
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return Hex.encode(SHA256.hash(data: data))
    }
}
