import AdminCore
import ConnectCore
import ConnectTestSupport
import Crypto
import Foundation
import Testing

/// atlassian-connect-express and Spring Boot stores, laid out as those frameworks lay them out,
/// read through the real binary: the same tenants output as on our stores, and never a write.
@Suite struct ForeignStoreTests {
    typealias F = ForeignStoreFixture
    static let hostile = "evil \u{1b}]0;pwned\u{07}\u{1b}[2J \u{202E}txet"

    static func secret(_ index: Int) -> String { "ace-shared-secret-\(index)-0123456789abcdefghij" }

    /// ACE's table as Sequelize creates it, three tenants (one with a hostile description), the
    /// app's own rows under other keys and with no clientKey, and a clientInfo without a secret.
    static func aceStatements(table: String = "AddonSettings", timestamps: Bool = false, postgres: Bool = false) -> [String] {
        let id = postgres ? "SERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"
        let json = postgres ? "JSON" : "JSON"
        let times = timestamps ? (postgres ? ", \"createdAt\" TIMESTAMP WITH TIME ZONE NOT NULL, \"updatedAt\" TIMESTAMP WITH TIME ZONE NOT NULL"
                                           : ", `createdAt` DATETIME NOT NULL, `updatedAt` DATETIME NOT NULL") : ""
        var statements = [
            "CREATE TABLE \"\(table)\" (\"id\" \(id), \"clientKey\" VARCHAR(255), \"key\" VARCHAR(255), \"val\" \(json)\(times))",
            "CREATE INDEX \"\(table.lowercased())_client_key_key\" ON \"\(table)\" (\"clientKey\", \"key\")",
        ]
        func insert(_ clientKey: String?, _ key: String, _ val: String) -> String {
            let stamp = timestamps ? ", '2024-03-04 05:06:07.890 +00:00', '2025-06-07 08:09:10.111 +00:00'" : ""
            return "INSERT INTO \"\(table)\" (\"clientKey\", \"key\", \"val\"\(timestamps ? ", \"createdAt\", \"updatedAt\"" : "")) VALUES (\(F.literal(clientKey)), \(F.literal(key)), \(F.literal(val))\(stamp))"
        }
        for index in 0..<3 {
            statements.append(insert("ace-client-\(index)", "clientInfo", F.clientInfo(
                clientKey: "ace-client-\(index)", secret: secret(index), baseUrl: "https://ace-\(index).atlassian.net",
                description: index == 1 ? hostile : "Atlassian JIRA at https://ace-\(index).atlassian.net")))
        }
        statements.append(insert("ace-client-1", "mySettings", "{\"theme\":\"dark\"}"))
        statements.append(insert(nil, "globalCounter", "{\"n\":7}"))
        statements.append(insert("ace-no-secret", "clientInfo", F.clientInfo(clientKey: "ace-no-secret", secret: nil, baseUrl: "https://x.atlassian.net")))
        // A clientInfo that is not JSON at all (SQLite's JSON column holds any text): skipped
        // with a warning, by a listing and by a filter alike (red team N11).
        if !postgres { statements.append(insert("ace-not-json", "clientInfo", "{not json")) }
        return statements
    }

    static func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    static func digest(_ path: String) throws -> String {
        SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: path))).map { String(format: "%02x", $0) }.joined()
    }

    /// Every read command on an ACE SQLite file: the tenants as on our stores, and the file
    /// byte for byte the same afterwards, with no -wal or -shm.
    @Test func aceSQLiteReadsTenantsAndNeverWrites() throws {
        let path = try F.sqlite(Self.aceStatements())
        let store = "ace+sqlite:\(path)"
        let before = try Self.digest(path)
        func unchanged(_ what: String) throws {
            #expect(try Self.digest(path) == before, "\(what) changed the file")
            for suffix in ["-wal", "-shm", "-journal"] { #expect(!FileManager.default.fileExists(atPath: path + suffix), "\(what) left \(suffix)") }
        }

        let listed = try CLIRunner.run(["tenants", "--json", "--store", store])
        #expect(listed.status == 0, "\(listed.stderr)")
        let rows = try Self.jsonLines(listed.stdout)
        #expect(rows.map { $0["clientKey"] as? String } == ["ace-client-0", "ace-client-1", "ace-client-2"])
        for (index, row) in rows.enumerated() {
            #expect(row["secretFingerprint"] as? String == SharedSecret.fingerprint(of: Self.secret(index)))
            #expect(row["state"] as? String == "installed")
            #expect(row["baseUrl"] as? String == "https://ace-\(index).atlassian.net")
            #expect(row["productType"] as? String == "jira" && row["addonKey"] as? String == "com.example.ace-app")
            #expect(row["installedAt"] is NSNull && row["updatedAt"] is NSNull && row["recentFailures"] is NSNull, "not invented")
            #expect(row["sharedSecret"] == nil)
        }
        #expect(listed.stderr.contains("skipped") && listed.stderr.contains("ace-no-secret") && listed.stderr.contains("no sharedSecret"))
        try unchanged("tenants --json")

        let table = try CLIRunner.run(["tenants", "--store", store])
        #expect(table.status == 0 && !table.stdout.contains("\u{1b}") && !table.stdout.contains(Self.secret(0)))
        let revealed = try Self.jsonLines(try CLIRunner.run(["tenants", "--json", "--reveal-secrets", "--store", store]).stdout)
        #expect(revealed.map { $0["sharedSecret"] as? String } == (0..<3).map(Self.secret))
        // The filter matches clientKey, baseUrl and description, never the secret.
        let filteredRun = try CLIRunner.run(["tenants", "--json", "--filter", "ACE-2.atlassian", "--store", store])
        #expect(filteredRun.status == 0, "a row that is not JSON failed the filter: \(filteredRun.stderr)")
        let filtered = try Self.jsonLines(filteredRun.stdout)
        #expect(filtered.map { $0["clientKey"] as? String } == ["ace-client-2"])
        #expect(listed.stderr.contains("ace-not-json"), "\(listed.stderr)")
        #expect(try CLIRunner.run(["tenants", "--json", "--filter", "shared-secret", "--store", store]).stdout.isEmpty)
        #expect(try CLIRunner.run(["tenants", "--json", "--state", "uninstalled", "--store", store]).stdout.isEmpty)
        try unchanged("tenants")

        // History and failures: nothing on stdout, one sentence on stderr, exit 0.
        for command in ["history", "failures"] {
            let result = try CLIRunner.run([command, "--json", "--store", store])
            #expect(result.status == 0 && result.stdout.isEmpty, "\(command)")
            #expect(result.stderr.contains("keeps no") && result.stderr.contains("connect-server --upstream"), "\(command): \(result.stderr)")
        }

        // secret check: current or unknown (a store without history has no stale secrets).
        let secretFile = FileManager.default.temporaryDirectory.appendingPathComponent("secret-\(UUID().uuidString)")
        try Self.secret(1).write(to: secretFile, atomically: true, encoding: .utf8)
        let current = try CLIRunner.run(["secret", "check", "--tenant", "ace-client-1", "--secret-file", secretFile.path, "--store", store])
        #expect(current.status == 0 && current.stdout.contains("current"), "\(current.stdout)\(current.stderr)")
        let unknown = try CLIRunner.run(["secret", "check", "--tenant", "ace-client-0", "--secret-file", secretFile.path, "--store", store])
        #expect(unknown.status == 1 && unknown.stdout.contains("unknown"))

        // A token signed with the tenant's secret from the ACE store verifies against it.
        let signed = try CLIRunner.run(["jwt", "sign", "--tenant", "ace-client-2", "--method", "GET", "--url", "/rest/api/3/myself", "--store", store])
        #expect(signed.status == 0, "\(signed.stderr)")
        let token = signed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let verified = try CLIRunner.run(["jwt", "verify", token, "--tenant", "ace-client-2", "--method", "GET", "--url", "/rest/api/3/myself", "--store", store])
        #expect(verified.status == 0 && verified.stdout.contains("VALID"), "\(verified.stdout)\(verified.stderr)")
        try unchanged("secret check, jwt sign and verify")
    }

    /// An ACE store in WAL mode that the app has closed is read without creating `-wal` or
    /// `-shm` beside it (red team N10: SQLite made both, owned by the reader).
    @Test func aWALModeAceStoreIsReadWithoutCreatingFiles() throws {
        let path = try F.sqlite(Self.aceStatements())
        try F.sqliteToWAL(path)
        let header = try #require(FileHandle(forReadingAtPath: path)).readData(ofLength: 20)
        try #require(header[18] == 2 && header[19] == 2, "the fixture is not in WAL mode")
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let listed = try CLIRunner.run(["tenants", "--json", "--filter", "ace-", "--store", "ace+sqlite:\(path)"])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(try Self.jsonLines(listed.stdout).count == 3)
        for suffix in ["-wal", "-shm", "-journal"] { #expect(!FileManager.default.fileExists(atPath: path + suffix), "left \(suffix)") }
    }

    @Test func aceLayoutProblemsAreOneSentenceWithExit3() throws {
        let path = try F.sqlite(Self.aceStatements())
        let noTable = try CLIRunner.run(["tenants", "--store", "ace+sqlite:\(path)?table=Settings"])
        #expect(noTable.status == 3 && noTable.stderr.contains("has no table Settings"))
        let ours = try F.sqlite(["CREATE TABLE \"AddonSettings\" (\"id\" INTEGER PRIMARY KEY, \"name\" TEXT)"])
        let wrong = try CLIRunner.run(["tenants", "--store", "ace+sqlite:\(ours)"])
        #expect(wrong.status == 3 && wrong.stderr.contains("has no clientKey, key, val column"), "\(wrong.stderr)")
        let missing = try CLIRunner.run(["tenants", "--store", "ace+sqlite:/nonexistent/ace.sqlite"])
        #expect(missing.status == 3 && missing.stderr.contains("no atlassian-connect-express store at /nonexistent/ace.sqlite"))
        let hostileTable = try CLIRunner.run(["tenants", "--store", "ace+sqlite:\(path)?table=x\";DROP"])
        #expect(hostileTable.status == 2 && hostileTable.stderr.contains("not a plain SQL name"))
        #expect(try CLIRunner.run(["tenants", "--store", "acsb+sqlite:\(path)"]).status == 2)
        // Commands that write refuse a foreign store.
        #expect(try CLIRunner.run(["store", "migrate", "--store", "ace+sqlite:\(path)"]).status == 2)
    }

    /// A store made by an older ACE (with Sequelize timestamps) and a custom table name.
    @Test func oldAceStoreWithTimestampsAndACustomTable() throws {
        let path = try F.sqlite(Self.aceStatements(table: "ConnectSettings", timestamps: true))
        let rows = try Self.jsonLines(try CLIRunner.run(["tenants", "--json", "--store", "ace+sqlite:\(path)?table=ConnectSettings"]).stdout)
        #expect(rows.count == 3)
        #expect(rows.first?["installedAt"] as? String == "2024-03-04T05:06:07Z")
        #expect(rows.first?["updatedAt"] as? String == "2025-06-07T08:09:10Z")
    }

    @Test func acePostgresReadsTenantsInReadOnlyTransactions() async throws {
        let location = try await F.postgres(Self.aceStatements(postgres: true))
        let url = "ace+postgres://\(location.username):\(location.password ?? "")@\(location.host):\(location.port)/\(location.database)"
        let relations = "SELECT count(*)::text FROM pg_class"
        let before = try await F.run([relations], on: location)
        let rows = try Self.jsonLines(try CLIRunner.run(["tenants", "--json", "--store", url]).stdout)
        try #require(rows.map { $0["clientKey"] as? String } == ["ace-client-0", "ace-client-1", "ace-client-2"])
        #expect(rows[1]["description"] as? String == Self.hostile)
        let filtered = try Self.jsonLines(try CLIRunner.run(["tenants", "--json", "--filter", "ace-1", "--store", url]).stdout)
        #expect(filtered.map { $0["clientKey"] as? String } == ["ace-client-1"])
        #expect(try await F.run([relations], on: location) == before, "no new relations")
    }

    /// Spring Boot's table: one row per host, `addon_installed` false after an uninstall; an
    /// older version without the newer columns.
    @Test func acsbPostgresReadsHostsAndTheirState() async throws {
        let location = try await F.postgres([
            """
            CREATE TABLE atlassian_host (client_key VARCHAR(255) PRIMARY KEY, public_key VARCHAR(512), shared_secret VARCHAR(255) NOT NULL,
              base_url VARCHAR(255) NOT NULL, product_type VARCHAR(255) NOT NULL, description VARCHAR(255),
              service_entitlement_number VARCHAR(255), addon_installed BOOLEAN NOT NULL, created_date TIMESTAMP NOT NULL,
              last_modified_date TIMESTAMP, created_by VARCHAR(255), last_modified_by VARCHAR(255))
            """,
            "INSERT INTO atlassian_host VALUES ('acsb-a', 'pk', 'acsb-secret-a-0123456789abcdefghijklmn', 'https://a.atlassian.net', 'jira', \(F.literal(Self.hostile)), NULL, TRUE, '2024-01-02 03:04:05', '2024-02-03 04:05:06', NULL, NULL)",
            "INSERT INTO atlassian_host VALUES ('acsb-b', 'pk', 'acsb-secret-b-0123456789abcdefghijklmn', 'https://b.atlassian.net/wiki', 'confluence', 'Confluence', NULL, FALSE, '2024-01-02 03:04:05', NULL, NULL, NULL)",
        ])
        let url = "acsb+postgres://\(location.username):\(location.password ?? "")@\(location.host):\(location.port)/\(location.database)"
        let rows = try Self.jsonLines(try CLIRunner.run(["tenants", "--json", "--store", url]).stdout)
        try #require(rows.map { $0["clientKey"] as? String } == ["acsb-a", "acsb-b"])
        #expect(rows.map { $0["state"] as? String } == ["installed", "uninstalled"])
        #expect(rows[0]["installedAt"] as? String == "2024-01-02T03:04:05Z" && rows[1]["updatedAt"] is NSNull)
        #expect(rows[0]["secretFingerprint"] as? String == SharedSecret.fingerprint(of: "acsb-secret-a-0123456789abcdefghijklmn"))
        #expect(rows[0]["addonKey"] is NSNull && rows[0]["displayUrl"] is NSNull)
        let uninstalled = try Self.jsonLines(try CLIRunner.run(["tenants", "--json", "--state", "uninstalled", "--store", url]).stdout)
        #expect(uninstalled.map { $0["clientKey"] as? String } == ["acsb-b"])
        let human = try CLIRunner.run(["tenants", "--store", url])
        #expect(!human.stdout.contains("\u{1b}"))
    }

    /// A newer Spring Boot table (display_url, oauth_client_id, cloud_id, installation_id) under
    /// another name: the columns that exist are read.
    @Test func acsbNewerColumnsAndACustomTable() async throws {
        let location = try await F.postgres([
            """
            CREATE TABLE connect_hosts (client_key VARCHAR(255) PRIMARY KEY, shared_secret VARCHAR(255) NOT NULL, base_url VARCHAR(255) NOT NULL,
              display_url VARCHAR(255), product_type VARCHAR(255) NOT NULL, description VARCHAR(255), oauth_client_id VARCHAR(255),
              cloud_id VARCHAR(255), installation_id VARCHAR(255), authentication VARCHAR(255), addon_installed BOOLEAN NOT NULL,
              created_date TIMESTAMP NOT NULL, last_modified_date TIMESTAMP)
            """,
            "INSERT INTO connect_hosts VALUES ('acsb-new', 'acsb-secret-new-0123456789abcdefghijkl', 'https://new.atlassian.net', 'https://new.example.com', 'jira', 'New', 'oauth-1', 'cloud-1', 'ari:cloud:ecosystem::installation/1', 'JWT', TRUE, '2025-01-01 00:00:00', NULL)",
        ])
        let url = "acsb+postgres://\(location.username):\(location.password ?? "")@\(location.host):\(location.port)/\(location.database)?table=connect_hosts"
        let rows = try Self.jsonLines(try CLIRunner.run(["tenants", "--json", "--store", url]).stdout)
        #expect(rows.count == 1)
        #expect(rows.first?["displayUrl"] as? String == "https://new.example.com" && rows.first?["oauthClientId"] as? String == "oauth-1")
        #expect(rows.first?["cloudId"] as? String == "cloud-1" && rows.first?["installationId"] as? String == "ari:cloud:ecosystem::installation/1")
        let missing = try CLIRunner.run(["tenants", "--store", url.replacingOccurrences(of: "connect_hosts", with: "atlassian_host")])
        #expect(missing.status == 3 && missing.stderr.contains("has no table atlassian_host"))
    }

    /// A server whose SCAN cursor never comes back to 0 (each page with new keys) is read up to
    /// a bound, then refused with one sentence, exit 3, instead of for ever (red team N9).
    @Test func anEndlessRedisScanStopsAtItsBound() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("endless-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let server = try await FixtureServer(script: "Tests/Fixtures/endless-scan/endless_scan.py", arguments: [], logDirectory: directory)
        defer { server.stop() }
        let result = try await CLIRunner.runOffPool(["tenants", "--store", "ace+redis://127.0.0.1:\(server.port)"])
        #expect(result.status == 3, "\(result.status) \(result.stderr)")
        #expect(result.stderr.contains("kept answering SCAN") && result.stderr.contains("10000 rounds"), "\(result.stderr)")
    }

    /// ACE's Redis adapter: `<clientKey>:clientInfo` keys found with SCAN; the app's other keys
    /// are not tenants; only reading commands reach the server.
    @Test func aceRedisReadsTenantsWithReadingCommandsOnly() throws {
        guard let url = F.redisURL else { Issue.record("CONNECT_TEST_REDIS_URL is not set: run scripts/test.sh"); return }
        let prefix = "r\(UUID().uuidString.prefix(6).lowercased())"
        let db = String(Int.random(in: 1...15))
        try F.redis(["-n", db, "FLUSHDB"])
        for index in 0..<3 {
            try F.redis(["-n", db, "SET", "\(prefix)-\(index):clientInfo", F.clientInfo(
                clientKey: "\(prefix)-\(index)", secret: Self.secret(index), baseUrl: "https://\(prefix)-\(index).atlassian.net",
                description: index == 1 ? Self.hostile : "Atlassian JIRA")])
        }
        try F.redis(["-n", db, "SET", "\(prefix)-1:mySettings", "{\"theme\":\"dark\"}"])
        try F.redis(["-n", db, "SET", "\(prefix)-9:clientInfo", "not json"])
        let writes = { () throws -> [String] in
            try F.redis(["INFO", "commandstats"]).split(whereSeparator: \.isNewline).map(String.init)
                .filter { line in !["scan", "get", "mget", "auth", "select", "ping", "info", "hello", "command"].contains { line.hasPrefix("cmdstat_\($0):") } }
        }
        let before = try writes()
        let store = "ace+" + url + "/" + db
        let listed = try CLIRunner.run(["tenants", "--json", "--store", store])
        #expect(listed.status == 0, "\(listed.stderr)")
        let rows = try Self.jsonLines(listed.stdout)
        try #require(rows.map { $0["clientKey"] as? String } == (0..<3).map { "\(prefix)-\($0)" })
        #expect(rows[1]["description"] as? String == Self.hostile)
        #expect(rows[2]["secretFingerprint"] as? String == SharedSecret.fingerprint(of: Self.secret(2)))
        #expect(listed.stderr.contains("\(prefix)-9:clientInfo") && listed.stderr.contains("not JSON"))
        let filtered = try Self.jsonLines(try CLIRunner.run(["tenants", "--json", "--filter", "\(prefix)-2.atlassian", "--store", store]).stdout)
        #expect(filtered.count == 1)
        let paged = try Self.jsonLines(try CLIRunner.run(["tenants", "--json", "--limit", "2", "--store", store]).stdout)
        #expect(paged.count == 2)
        let signed = try CLIRunner.run(["jwt", "sign", "--tenant", "\(prefix)-0", "--method", "GET", "--url", "/x", "--store", store])
        #expect(signed.status == 0)
        let after = try writes()
        #expect(after == before, "only reading commands were sent: \(before) → \(after)")
        let refused = try CLIRunner.run(["tenants", "--store", "ace+redis://127.0.0.1:\(URLComponents(string: url)?.port ?? 0)"])
        #expect(refused.status == 3 && refused.stderr.contains("NOAUTH"))
        try F.redis(["-n", db, "FLUSHDB"])
    }
}
