import AdminCore
import ConnectCore
import ConnectTestSupport
import Foundation
import Testing

/// What keeps an operator's store safe from the tools themselves: dev seed never writes
/// into a live store, passwords never echoed and never needed on the command line, JSON
/// output never carries raw controls or bidi overrides, loose file modes are tightened.
@Suite struct SafeOperationTests {
    static func storeWithOneRealTenant(description: String = "Atlassian JIRA") async throws -> (StoreLocation, String) {
        let location = try await TestStoreBackend.sqlite.freshLocation()
        let store = try await ConnectStore.open(location)
        let secret = SharedSecret("real-tenant-secret-0123456789abcdefghij")
        let now = Date()
        let tenant = Tenant(clientKey: "jira:real", addonKey: "com.example.live-app", baseUrl: "https://real.atlassian.net", productType: "jira",
                            description: description, secret: .open(secret), state: .installed, installedAt: now, updatedAt: now)
        try await store.record(InstallDecision(event: InstallEvent(at: now, node: "n", clientKey: tenant.clientKey, eventType: .installed,
                                                                   outcome: .accepted, auth: "rs256:k", fingerprintAfter: secret.fingerprint),
                                               tenant: tenant))
        await store.close()
        return (location, location.description)
    }

    @Test func devSeedRefusesAStoreHoldingATenantItDidNotCreate() async throws {
        let (location, url) = try await Self.storeWithOneRealTenant()
        let result = try CLIRunner.run(["dev", "seed", "--store", url, "--tenants", "5", "--failures", "5", "--events", "5"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("did not create"), "\(result.stderr)")
        let store = try await ConnectStoreReader.open(location)
        #expect(try await store.tenantCount() == 1, "store unchanged")
        #expect(try await store.failures(FailureQuery()).isEmpty)
        await store.close()
        // A store dev seed made itself can be seeded again.
        let fresh = try await TestStoreBackend.sqlite.freshLocation()
        #expect(try CLIRunner.run(["dev", "seed", "--store", fresh.description, "--tenants", "3", "--failures", "0", "--events", "3"]).status == 0)
        let again = try CLIRunner.run(["dev", "seed", "--store", fresh.description, "--tenants", "3", "--failures", "0", "--events", "3", "--seed", "2"])
        #expect(again.status == 0, "\(again.stderr)")
    }

    /// A store a connect-server has opened is live even before its first install: dev seed
    /// refuses it, since the server would accept tokens signed with the seed's secrets (F8).
    @Test func devSeedRefusesAnEmptyStoreAServerHasOpened() async throws {
        let location = try await TestStoreBackend.sqlite.freshLocation()
        let store = try await ConnectStore.open(location)
        #expect(try await store.servedBy()?.node == nil)
        try await store.markServed(node: "node-a")
        await store.close()
        let refused = try CLIRunner.run(["dev", "seed", "--store", location.description, "--tenants", "3", "--failures", "0", "--events", "3"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("served by connect-server") && refused.stderr.contains("node-a"), "\(refused.stderr)")
        let after = try await ConnectStoreReader.open(location)
        #expect(try await after.tenantCount() == 0, "nothing seeded")
        await after.close()
    }

    /// Out-of-range numbers are one sentence and exit 2, never a crash (red team N13, N6).
    @Test func outOfRangeNumbersAreUsageErrors() async throws {
        let store = try await TestStoreBackend.sqlite.freshLocation().description
        for arguments in [["failures", "--store", store, "--since", "9223372036854775807s"],
                          ["store", "prune", "--store", store, "--older-than", "999999999999d"],
                          ["jwt", "sign", "--secret-file", "/nonexistent", "--iss", "jira:x", "--method", "GET", "--url", "/x", "--now", "9223372036854775807"],
                          ["dev", "seed", "--store", store, "--tenants", "999999999999"]] {
            let result = try CLIRunner.run(arguments)
            #expect(result.status == 2, "\(arguments.joined(separator: " ")): exit \(result.status), \(result.stderr)")
            #expect(!result.stderr.isEmpty && result.stderr.split(separator: "\n").count <= 3, "\(result.stderr)")
        }
    }

    @Test func jsonOutputEscapesControlsAndBidiOverrides() async throws {
        let hostile = "evil\u{202E}gnp.exe\u{2066}x\u{2069}\u{85}\u{9B}31m"
        let (_, url) = try await Self.storeWithOneRealTenant(description: hostile)
        let result = try CLIRunner.run(["tenants", "--json", "--store", url])
        #expect(result.status == 0)
        for scalar in ["\u{202E}", "\u{2066}", "\u{2069}", "\u{85}", "\u{9B}"] {
            #expect(!result.stdout.contains(scalar), "raw U+\(String(scalar.unicodeScalars.first!.value, radix: 16)) in JSON output")
        }
        #expect(result.stdout.contains("\\u202e"))
        #expect(result.stdout.contains("\\u009b"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["description"] as? String == hostile, "still the same text once parsed")
    }

    @Test func passwordsAreNeverEchoedAndCanComeFromTheEnvironment() async throws {
        let mistyped = try CLIRunner.run(["tenants", "--store", "postgress://admin:hunter2-secret@db.example:5432/connect"])
        #expect(mistyped.status == 2)
        #expect(mistyped.stderr.contains("unknown store URL"))
        #expect(!mistyped.stderr.contains("hunter2"), "\(mistyped.stderr)")

        guard TestStoreBackend.postgresURL != nil else { return }
        let store = try await TestStoreBackend.postgres.freshStore()
        guard case .postgres(let postgres) = store.location else { return }
        await store.close()
        let withoutPassword = "postgres://\(postgres.username)@\(postgres.host):\(postgres.port)/\(postgres.database)"
        let fromEnvironment = try CLIRunner.run(["store", "info", "--store", withoutPassword], environment: ["PGPASSWORD": postgres.password ?? ""])
        #expect(fromEnvironment.status == 0, "\(fromEnvironment.stderr)")
        let passfile = try CLIRunner.temporaryFile("# host:port:db:user:password\n\(postgres.host):\(postgres.port):*:\(postgres.username):\(postgres.password ?? "")\n",
                                                   name: "pgpass")
        let fromFile = try CLIRunner.run(["store", "info", "--store", withoutPassword], environment: ["PGPASSFILE": passfile, "PGPASSWORD": ""].filter { $0.key == "PGPASSFILE" })
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        #expect(!fromFile.stdout.contains(postgres.password ?? "never"), "the password is never printed")
    }

    @Test func aLooseStoreFileIsTightenedTo0600() async throws {
        let (location, _) = try await Self.storeWithOneRealTenant()
        guard case .sqlite(let path) = location else { return }
        chmod(path, 0o644)
        let store = try await ConnectStore.open(location)
        await store.close()
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    static func mode(_ path: String) -> mode_t {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & 0o7777 : 0
    }

    /// A `-wal` or `-shm` that is a symbolic link would send SQLite's writes, and the writer's
    /// mode change, to another file: refused, and the file it points to keeps its mode.
    @Test func aSymlinkedWalOrShmIsRefusedAndItsTargetKeepsItsMode() async throws {
        for suffix in ["-shm", "-wal"] {
            let (location, url) = try await Self.storeWithOneRealTenant()
            guard case .sqlite(let path) = location else { return }
            let victim = try CLIRunner.temporaryFile("someone else's file\n", name: "victim")
            chmod(victim, 0o644)
            chmod(path, 0o644)
            unlink(path + suffix)
            #expect(symlink(victim, path + suffix) == 0)
            await #expect(throws: StoreError.self) { _ = try await ConnectStore.open(location) }
            let migrate = try await CLIRunner.runOffPool(["store", "migrate", "--store", url])
            #expect(migrate.status == 3, "\(migrate.stdout) \(migrate.stderr)")
            #expect(migrate.stderr.contains("\(suffix) is a symbolic link"), "\(migrate.stderr)")
            #expect(migrate.stderr.split(separator: "\n").count == 1, "one sentence: \(migrate.stderr)")
            #expect(Self.mode(victim) == 0o644, "\(suffix): the link's target was changed")
            #expect(Self.mode(path) == 0o644, "nothing is tightened when the store is refused")
        }
    }

    /// A store path that is a device or a FIFO is refused by readers and writers alike, with one
    /// sentence and exit 3, and keeps its mode (a writer once made `/dev/null` 0600). The device
    /// is a private copy of /dev/null's (made where this runs as root), never /dev/null itself.
    @Test func aDeviceOrFIFOIsNoStoreAndKeepsItsMode() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let fifo = directory.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o644) == 0)
        chmod(fifo, 0o644)
        var paths = [(fifo, "a FIFO")]
        let device = directory.appendingPathComponent("null").path
        // Major 1, minor 3: what /dev/null is on Linux.
        if mknod(device, S_IFCHR | 0o666, dev_t((1 << 8) | 3)) == 0 {
            chmod(device, 0o666)
            paths.append((device, "a character device"))
        }
        for (path, kind) in paths {
            let before = Self.mode(path)
            // Every way a store is opened refuses it (in-process: each CLI run blocks a test thread).
            let location = StoreLocation.sqlite(path: path)
            for open in [{ () async throws in _ = try await ConnectStore.open(location) }, { _ = try await ConnectStoreReader.open(location) }] {
                do {
                    try await open()
                    Issue.record("\(kind) was opened as a store")
                } catch let error as StoreError {
                    #expect(error.message.contains("is \(kind), not a SQLite file"), "\(error.message)")
                }
            }
            // And the binaries say so in one sentence, exit 3: a writer and a reader.
            for command in [["store", "migrate"], ["tenants"]] {
                let result = try await CLIRunner.runOffPool(command + ["--store", "sqlite:\(path)"], directory: directory)
                #expect(result.status == 3, "\(command) \(kind): \(result.stderr)")
                #expect(result.stderr.contains("is \(kind), not a SQLite file"), "\(command): \(result.stderr)")
                #expect(result.stderr.split(separator: "\n").count == 1, "one sentence: \(result.stderr)")
            }
            #expect(Self.mode(path) == before, "\(kind) changed mode")
        }
    }

    /// A regular file readable by others that is not a SQLite database is not ours to tighten:
    /// the writer refuses it and its mode stays.
    @Test func aFileThatIsNoStoreKeepsItsMode() async throws {
        let notes = try CLIRunner.temporaryFile("my notes, readable by my team\n", name: "notes")
        chmod(notes, 0o644)
        let result = try await CLIRunner.runOffPool(["store", "migrate", "--store", "sqlite:\(notes)"])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("not a SQLite database"), "\(result.stderr)")
        #expect(Self.mode(notes) == 0o644)
    }
}

/// `history --tenant` keeps the tenant's install visible under any number of rejected callbacks.
@Suite struct TenantHistoryCommandTests {
    @Test func theInstallStaysVisibleUnderRejectedCallbacks() async throws {
        let (location, url) = try await SafeOperationTests.storeWithOneRealTenant()
        let store = try await ConnectStore.open(location)
        // 30 rejected callbacks from 30 sources: not folded, all newer than the install.
        for index in 0..<30 {
            try await store.record(InstallDecision(event: InstallEvent(
                at: Date(), node: "n", clientKey: "jira:real", eventType: .installed, outcome: .rejected, reason: .badSignature,
                auth: "rs256:k", remoteAddress: "198.51.100.\(index)"), tenant: nil))
        }
        await store.close()
        let result = try await CLIRunner.runOffPool(["history", "--tenant", "jira:real", "--limit", "5", "--json", "--store", url])
        #expect(result.status == 0, "\(result.stderr)")
        let outcomes = result.stdout.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["outcome"] as? String
        }
        #expect(outcomes.filter { $0 == "rejected" }.count == 5, "the newest page")
        #expect(outcomes.last == "accepted", "and the install, pinned below it")
    }
}
