@testable import AdminCore
@testable import ConnectCore
import Foundation
import ConnectTestSupport
import Testing

/// Shared secrets sealed at rest (AES-256-GCM, clientKey as associated data), on SQLite and
/// on a real PostgreSQL: what needs the key works with it, what does not works without it,
/// and a value that was moved, cut or flipped is refused as tampered.
@Suite struct SecretsAtRestTests {
    typealias F = StoreFixtures
    static let secret1 = "first-secret-0123456789abcdefghijkl"
    static let secret2 = "second-secret-0123456789abcdefghijk"
    static let secret3 = "other-secret-0123456789abcdefghijklm"

    /// Every `shared_secret` value as stored, tenants then history.
    static func raw(_ store: ConnectStore) async throws -> [String] {
        let tenants = try await store.database.rows(SQLStatement("SELECT shared_secret FROM tenant ORDER BY client_key"))
        let history = try await store.database.rows(SQLStatement("SELECT shared_secret FROM tenant_secret ORDER BY client_key, current_from"))
        return (tenants + history).compactMap { $0.text("shared_secret") }
    }

    /// jira:a installed with secret1 then reinstalled with secret2; jira:b with secret3.
    static func installTwo(_ store: ConnectStore) async throws {
        let first = F.tenant("jira:a", secret: secret1)
        try await store.record(F.install(first, at: F.t0))
        try await store.record(F.install(F.tenant("jira:a", secret: secret2), at: F.t0.addingTimeInterval(60), before: first.secretFingerprint))
        try await store.record(F.install(F.tenant("jira:b", secret: secret3), at: F.t0))
    }

    static func kind(_ secret: StoredSecret) -> SecretUnavailable.Kind? {
        if case .unavailable(let reason) = secret { return reason.kind }
        return nil
    }

    @Test(arguments: TestStoreBackend.allCases)
    func sealedSecretsOpenOnlyWithTheirKey(_ backend: TestStoreBackend) async throws {
        let key = SecretKey.generate()
        let location = try await backend.freshLocation()
        let writer = try await ConnectStore.open(location, keyRing: SecretKeyRing(keys: [key]))
        defer { Task { await writer.close() } }
        try await Self.installTwo(writer)

        let raw = try await Self.raw(writer)
        #expect(raw.count == 5)
        for value in raw {
            #expect(value.hasPrefix("v1:\(key.id):"), "stored as \(value.prefix(12))…")
            for secret in [Self.secret1, Self.secret2, Self.secret3] { #expect(!value.contains(secret)) }
        }
        #expect(Set(raw).count == raw.count, "a fresh nonce per value")

        // With the key: everything, history included.
        let keyed = try await ConnectStoreReader.open(location, keyRing: SecretKeyRing(keys: [key]))
        defer { Task { await keyed.close() } }
        #expect(try await keyed.tenant(clientKey: "jira:a")?.sharedSecret == SharedSecret(Self.secret2))
        #expect(try await keyed.secretHistory(clientKey: "jira:a").map { try $0.secret.opened() } == [SharedSecret(Self.secret2), SharedSecret(Self.secret1)])

        // Without it (and with another key): tenants, fingerprints and history still list; the
        // secret itself names the key id it needs.
        for ring in [SecretKeyRing.none, SecretKeyRing(keys: [SecretKey.generate()])] {
            let bare = try await ConnectStoreReader.open(location, keyRing: ring)
            let page = try await bare.tenants(TenantQuery(limit: 10))
            #expect(page.rows.map(\.tenant.clientKey) == ["jira:a", "jira:b"])
            let tenant = try #require(page.rows.first?.tenant)
            #expect(tenant.secretFingerprint == SharedSecret(Self.secret2).fingerprint)
            #expect(Self.kind(tenant.secret) == .missingKey(keyID: key.id))
            do {
                _ = try tenant.sharedSecret
                Issue.record("a sealed secret opened without its key")
            } catch {
                #expect(error.message.contains("sealed with key id \(key.id), which is not in the key ring"))
            }
            let history = try await bare.secretHistory(clientKey: "jira:a")
            #expect(history.map(\.fingerprint) == [SharedSecret(Self.secret2).fingerprint, SharedSecret(Self.secret1).fingerprint])
            #expect(SecretMatch.find(fingerprint: SharedSecret(Self.secret1).fingerprint, in: history).answer == "stale")
            let token = ConnectTokenSigner.hs256(claims: ConnectClaims(issuer: "jira:a", issuedAt: 1, request: nil).object, secret: SharedSecret(Self.secret2))
            #expect(SecretMatch.find(try ConnectToken.decode(token), in: history).answer == "unchecked")
            guard case .unavailable(.secretUnavailable, let sentence) = TenantKeyLookup.lookup(tenant, clientKey: "jira:a") else {
                Issue.record("the server's key lookup used a secret it cannot open")
                continue
            }
            #expect(sentence.contains(key.id))
            await #expect(throws: StoreError.self) { try await bare.checkKeyRing() }
            await bare.close()
        }
        // Writing a new install with the key works alongside; the server's start check passes.
        try await keyed.checkKeyRing()
        try await writer.checkKeyRing()
    }

    @Test(arguments: TestStoreBackend.allCases)
    func movedCutOrFlippedValuesAreTampered(_ backend: TestStoreBackend) async throws {
        let key = SecretKey.generate()
        let store = try await ConnectStore.open(try await backend.freshLocation(), keyRing: SecretKeyRing(keys: [key]))
        defer { Task { await store.close() } }
        try await Self.installTwo(store)
        func value(_ clientKey: String) async throws -> String {
            try #require(try await store.database.rows(SQLStatement("SELECT shared_secret FROM tenant WHERE client_key = ?", [.text(clientKey)])).first?.text("shared_secret"))
        }
        func set(_ clientKey: String, _ text: String) async throws {
            try await store.database.transaction([SQLStatement("UPDATE tenant SET shared_secret = ? WHERE client_key = ?", [.text(text), .text(clientKey)])])
        }
        let a = try await value("jira:a"), b = try await value("jira:b")

        // Two tenants' values swapped: the clientKey is bound in, so neither opens.
        try await set("jira:a", b)
        try await set("jira:b", a)
        for clientKey in ["jira:a", "jira:b"] {
            let tenant = try #require(try await store.tenant(clientKey: clientKey))
            #expect(Self.kind(tenant.secret) == .tampered, "\(clientKey)")
            #expect((try? tenant.sharedSecret) == nil)
        }
        // Truncated, bit-flipped, or a valid value under another key id's name.
        var flipped = Array(a.utf8)
        flipped[flipped.count - 5] = flipped[flipped.count - 5] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        for damaged in [String(a.dropLast(3)), String(decoding: flipped, as: UTF8.self), "v1:\(key.id):", a + "AAAA"] {
            try await set("jira:a", damaged)
            let tenant = try #require(try await store.tenant(clientKey: "jira:a"))
            #expect(Self.kind(tenant.secret) == .tampered, "\(damaged)")
            guard case .unavailable(.secretUnavailable, let sentence) = TenantKeyLookup.lookup(tenant, clientKey: "jira:a") else {
                Issue.record("a tampered secret was used")
                continue
            }
            #expect(sentence.contains("tampered") && sentence.contains("jira:a"))
        }
        // Two history rows of one tenant swapped: same clientKey, but the fingerprint kept in
        // clear beside each no longer matches what it opens to.
        let history = try await store.database.rows(SQLStatement("SELECT fingerprint, shared_secret FROM tenant_secret WHERE client_key = 'jira:a'"))
        #expect(history.count == 2)
        try await store.database.transaction([
            SQLStatement("UPDATE tenant_secret SET shared_secret = ? WHERE client_key = 'jira:a' AND fingerprint = ?", [history[1].values["shared_secret"] ?? .null, history[0].values["fingerprint"] ?? .null]),
            SQLStatement("UPDATE tenant_secret SET shared_secret = ? WHERE client_key = 'jira:a' AND fingerprint = ?", [history[0].values["shared_secret"] ?? .null, history[1].values["fingerprint"] ?? .null]),
        ])
        #expect(try await store.secretHistory(clientKey: "jira:a").map { Self.kind($0.secret) } == [.tampered, .tampered])
    }

    @Test(arguments: TestStoreBackend.allCases)
    func sealThenRekeyInPlaceLosesNothing(_ backend: TestStoreBackend) async throws {
        let location = try await backend.freshLocation()
        let plain = try await ConnectStore.open(location)
        var expected: [String: SharedSecret] = [:]
        for index in 0..<60 {
            let clientKey = "jira:t\(index)"
            let first = F.tenant(clientKey, secret: "secret-\(index)-one-0123456789abcdefghijklmnop")
            try await plain.record(F.install(first, at: F.t0))
            expected[clientKey] = try first.sharedSecret
            if index % 3 == 0 {
                let second = F.tenant(clientKey, secret: "secret-\(index)-two-0123456789abcdefghijklmnop")
                try await plain.record(F.install(second, at: F.t0.addingTimeInterval(60), before: first.secretFingerprint))
                expected[clientKey] = try second.sharedSecret
            }
        }
        let total = try await plain.sealingSummary().total
        #expect(total == 60 + 60 + 20)
        await plain.close()

        let k1 = SecretKey.generate(), k2 = SecretKey.generate()
        let sealer = try await ConnectStore.open(location, keyRing: SecretKeyRing(keys: [k1]))
        let sealed = try await sealer.reseal(.plain, batchSize: 7)
        #expect(sealed.resealed == total)
        #expect(sealed.after == SealingSummary(plain: 0, sealed: [k1.id: total]))
        #expect(sealed.unreadable.isEmpty)
        #expect(try await sealer.reseal(.plain, batchSize: 7).resealed == 0, "a second run has nothing left to do")
        for (clientKey, secret) in expected { #expect(try await sealer.tenant(clientKey: clientKey)?.sharedSecret == secret) }
        await sealer.close()

        // Re-keying without the old key refuses before writing anything.
        let withoutOld = try await ConnectStore.open(location, keyRing: SecretKeyRing(keys: [k2]))
        do {
            _ = try await withoutOld.reseal(.notUnderSealingKey)
            Issue.record("rekey ran without the key the values are sealed with")
        } catch {
            #expect(error.kind == .usage && error.message.contains(k1.id))
        }
        #expect(try await withoutOld.sealingSummary() == SealingSummary(plain: 0, sealed: [k1.id: total]))
        await withoutOld.close()

        let rekeyer = try await ConnectStore.open(location, keyRing: SecretKeyRing(keys: [k2, k1]))
        let rekeyed = try await rekeyer.reseal(.notUnderSealingKey, batchSize: 11)
        #expect(rekeyed.resealed == total)
        #expect(rekeyed.after == SealingSummary(plain: 0, sealed: [k2.id: total]))
        await rekeyer.close()
        let onlyNew = try await ConnectStoreReader.open(location, keyRing: SecretKeyRing(keys: [k2]))
        defer { Task { await onlyNew.close() } }
        for (clientKey, secret) in expected {
            #expect(try await onlyNew.tenant(clientKey: clientKey)?.sharedSecret == secret)
            #expect(try await onlyNew.secretHistory(clientKey: clientKey).allSatisfy { Self.kind($0.secret) == nil })
        }
    }

    /// After `seal`, the SQLite file and its WAL hold no plain secret: not in live rows, not
    /// in freed cells, not in old page images.
    @Test func sealedSQLiteFilesHoldNoPlainSecret() async throws {
        let location = try await TestStoreBackend.sqlite.freshLocation()
        guard case .sqlite(let path) = location else { return }
        let plain = try await ConnectStore.open(location)
        let secrets = (0..<40).map { "plain-secret-\($0)-0123456789abcdefghijklmnop" }
        for (index, secret) in secrets.enumerated() {
            try await plain.record(F.install(F.tenant("jira:s\(index)", secret: secret), at: F.t0))
        }
        func filesContain(_ text: String) -> Bool {
            [path, path + "-wal"].contains { file in
                guard let data = FileManager.default.contents(atPath: file) else { return false }
                return data.range(of: Data(text.utf8)) != nil
            }
        }
        #expect(filesContain(secrets[7]), "the check must be able to see a plain secret")
        let sealer = try await ConnectStore.open(location, keyRing: SecretKeyRing(keys: [SecretKey.generate()]))
        let report = try await sealer.reseal(.plain, batchSize: 9)
        #expect(report.scrubNote == nil, "\(report.scrubNote ?? "")")
        // Checked with both stores still open (a server would be): closing checkpoints anyway.
        for secret in secrets { #expect(!filesContain(secret), "\(secret) is still in the store's files") }
        await sealer.close()
        await plain.close()
    }

    @Test func keyFilesAreCheckedAndNeverOverwritten() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = directory + "/k1"
        let key = try SecretKey.create(file: file)
        #expect(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int == 0o600)
        #expect(try SecretKey.read(file: file).id == key.id)
        #expect(throws: SecretKeyError.self) { _ = try SecretKey.create(file: file) }
        #expect(try SecretKey.read(file: file).id == key.id, "refusing to overwrite left the key as it was")
        #expect(!(try String(contentsOfFile: file, encoding: .utf8)).contains(key.id))

        // Owner only: 0600 and 0400 are read; a group bit (0640, 0660) or any other is refused.
        for mode: mode_t in [0o644, 0o640, 0o660, 0o604, 0o610] {
            chmod(file, mode)
            #expect("mode \(String(mode, radix: 8))", performing: { _ = try SecretKey.read(file: file) },
                    throws: { ($0 as? SecretKeyError)?.message.contains("chmod 600") == true })
        }
        chmod(file, 0o400)
        #expect(try SecretKey.read(file: file).id == key.id)
        chmod(file, 0o600)
        let short = directory + "/short"
        _ = FileManager.default.createFile(atPath: short, contents: Data("c2hvcnQ=\n".utf8), attributes: [.posixPermissions: 0o600])
        #expect { _ = try SecretKey.read(file: short) } throws: { ($0 as? SecretKeyError)?.message.contains("256-bit") == true }
        #expect { _ = try SecretKey.read(file: directory + "/missing") } throws: { ($0 as? SecretKeyError)?.message.contains("store keygen") == true }

        // systemd credentials: CONNECT_SECRET_KEY_FILE names are looked up in $CREDENTIALS_DIRECTORY.
        #expect(SecretKeyRing.keyFiles(options: [], environment: ["CONNECT_SECRET_KEY_FILE": "new:old", "CREDENTIALS_DIRECTORY": "/run/creds"])
                == ["/run/creds/new", "/run/creds/old"])
        #expect(SecretKeyRing.keyFiles(options: ["/a"], environment: ["CONNECT_SECRET_KEY_FILE": "/b"]) == ["/a"])
        #expect(SecretKeyRing.keyFiles(options: [], environment: ["CREDENTIALS_DIRECTORY": directory]) == [])
        try FileManager.default.copyItem(atPath: file, toPath: directory + "/connect-secret-key")
        #expect(SecretKeyRing.keyFiles(options: [], environment: ["CREDENTIALS_DIRECTORY": directory]) == [directory + "/connect-secret-key"])
    }
}
