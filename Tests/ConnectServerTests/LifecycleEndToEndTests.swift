import AdminCore
import ConnectCore
import AsyncHTTPClient
import ConnectServerKit
import CryptoExtras
import Foundation
import NIOHTTP1
import ConnectTestSupport
import Testing

/// Lifecycle callbacks over real HTTP, on both store backends: the happy path, and every
/// attack rejected with the stored tenant unchanged and a rejected event recorded.
@Suite struct LifecycleEndToEndTests {
    typealias H = ServerHarness
    static let secret1 = "first-shared-secret-0123456789abcdefghij"
    static let secret2 = "second-shared-secret-0123456789abcdefghi"

    @Test(arguments: TestStoreBackend.allCases)
    func installRotateEnableDisableUninstall(_ backend: TestStoreBackend) async throws {
        let server = try await H.start(location: try await backend.freshLocation())
        defer { Task { await server.stop() } }
        let key = "jira:e2e-\(UUID().uuidString.prefix(8))"

        let descriptor = try await server.send(.GET, "/atlassian-connect.json")
        #expect(descriptor.status == 200)
        #expect(descriptor.body.contains("\"baseUrl\":\"\(server.baseURL)\""))
        #expect(descriptor.body.contains("\"installed\":\"/installed\""))

        try await server.install(key, secret: Self.secret1)
        let first = try #require(try await server.store.tenant(clientKey: key))
        #expect(first.secret == .open(SharedSecret(Self.secret1)))
        #expect(first.state == .installed)
        #expect(await server.installed.tenants.map(\.clientKey) == [key])

        // Reinstall rotates the secret.
        try await server.install(key, secret: Self.secret2)
        let rotated = try #require(try await server.store.tenant(clientKey: key))
        #expect(rotated.secret == .open(SharedSecret(Self.secret2)))
        let history = try await server.store.history(HistoryQuery(clientKey: key))
        #expect(history.map(\.outcome) == [.accepted, .accepted])
        #expect(history[0].rotatedSecret)
        #expect(history[0].auth == "rs256:host-key-1")

        // Requests authenticate with the current secret, not the old one.
        let page = try await server.send(.GET, "/pages/hello?lic=none",
                                         token: server.requestToken(clientKey: key, secret: Self.secret2, method: "GET", path: "/pages/hello?lic=none"))
        #expect(page.status == 200)
        let sessionToken = try #require(page.headers.first(name: "X-acpt"))
        #expect(page.body.contains(sessionToken))
        let stale = try await server.send(.GET, "/pages/hello", token: server.requestToken(clientKey: key, secret: Self.secret1, method: "GET", path: "/pages/hello"))
        #expect(stale.status == 401)
        #expect(stale.body.contains("bad_signature"))
        // The session token works on the API route, not on the page route.
        let echo = try await server.send(.POST, "/api/echo", token: sessionToken, body: Array("ping".utf8))
        #expect(echo.status == 200)
        #expect(echo.body.contains("\"echo\":\"ping\""))
        #expect(try await server.send(.GET, "/pages/hello", token: sessionToken).status == 401)
        let webhook = try await server.send(.POST, "/webhooks/jira:issue_created",
                                            token: server.requestToken(clientKey: key, secret: Self.secret2, method: "POST", path: "/webhooks/jira:issue_created"),
                                            body: Array("{}".utf8))
        #expect(webhook.status == 204)
        // A second Authorization field is not ignored: the two make one malformed value.
        let valid = server.requestToken(clientKey: key, secret: Self.secret2, method: "GET", path: "/pages/hello")
        let doubled = try await server.send(.GET, "/pages/hello", token: valid, headers: [("Authorization", "JWT \(valid)")])
        #expect(doubled.status == 401)
        #expect(doubled.body.contains("malformed_token"), "\(doubled.body)")

        // Disable, enable, uninstall with the stored secret.
        for (event, state) in [(InstallEvent.EventType.disabled, TenantState.disabled), (.enabled, .enabled)] {
            let result = try await server.lifecycle(event, token: server.requestToken(clientKey: key, secret: Self.secret2, method: "POST", path: "/\(event.rawValue)"),
                                                    body: H.payload(key, event: event))
            #expect(result.status == 204, "\(event): \(result.body)")
            #expect(try await server.store.tenant(clientKey: key)?.state == state)
            if state == .disabled {
                let refused = try await server.send(.GET, "/pages/hello", token: server.requestToken(clientKey: key, secret: Self.secret2, method: "GET", path: "/pages/hello"))
                #expect(refused.body.contains("tenant_disabled"))
            }
        }
        let uninstall = try await server.lifecycle(.uninstalled, token: try server.installToken(clientKey: key, path: "/uninstalled"),
                                                   body: H.payload(key, event: .uninstalled))
        #expect(uninstall.status == 204)
        #expect(try await server.store.tenant(clientKey: key)?.state == .uninstalled)
        let afterUninstall = try await server.send(.GET, "/pages/hello", token: server.requestToken(clientKey: key, secret: Self.secret2, method: "GET", path: "/pages/hello"))
        #expect(afterUninstall.status == 401)
        #expect(afterUninstall.body.contains("tenant_uninstalled"))

        // Every refused request is in the store, with its reason.
        await server.flushFailures()
        let reasons = Set(try await server.store.failures(FailureQuery(clientKey: key)).map(\.reason))
        #expect(reasons.isSuperset(of: [.badSignature, .tenantDisabled, .tenantUninstalled, .contextQSHNotAllowed]))
    }

    struct Attack: Sendable, CustomTestStringConvertible {
        var name: String
        var reason: ReasonCode
        var status: Int
        var testDescription: String { name }
    }

    static let attacks: [Attack] = [
        Attack(name: "unsigned reinstall", reason: .unsignedReinstall, status: 401),
        Attack(name: "wrong RSA key under the right kid", reason: .badSignature, status: 401),
        Attack(name: "unknown kid", reason: .installKeyUnavailable, status: 401),
        Attack(name: "hostile kid", reason: .invalidKid, status: 401),
        Attack(name: "wrong aud", reason: .wrongAudience, status: 401),
        Attack(name: "iss is not the payload's clientKey", reason: .clientKeyMismatch, status: 401),
        Attack(name: "HS256 token on /installed", reason: .unsupportedAlgorithm, status: 401),
        Attack(name: "context token on a lifecycle route", reason: .contextQSHNotAllowed, status: 401),
        Attack(name: "expired install token", reason: .expired, status: 401),
        Attack(name: "token for /uninstalled replayed on /installed", reason: .qshMismatch, status: 401),
        Attack(name: "valid token for another tenant's body", reason: .clientKeyMismatch, status: 401),
        Attack(name: "oversized payload", reason: .invalidLifecyclePayload, status: 400),
        Attack(name: "malformed JSON payload", reason: .invalidLifecyclePayload, status: 400),
        Attack(name: "payload without sharedSecret", reason: .invalidLifecyclePayload, status: 400),
        Attack(name: "short sharedSecret", reason: .insecureSecret, status: 400),
    ]

    @Test(arguments: TestStoreBackend.allCases)
    func attacksAreRejectedAndChangeNothing(_ backend: TestStoreBackend) async throws {
        // No folding: every attack is its own row here (folding has tests of its own).
        let server = try await H.start(location: try await backend.freshLocation()) { $0.foldWindow = 0 }
        defer { Task { await server.stop() } }
        let victim = "jira:victim-\(UUID().uuidString.prefix(8))"
        try await server.install(victim, secret: Self.secret1)
        let before = try #require(try await server.store.tenant(clientKey: victim))
        let attackerKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let hijack = H.payload(victim, event: .installed, secret: "attacker-secret-0123456789abcdefghijkl", baseUrl: "https://evil.example")

        for attack in Self.attacks {
            let token: String?
            var body = hijack
            switch attack.name {
            case "unsigned reinstall": token = nil
            case "wrong RSA key under the right kid": token = try server.installToken(clientKey: victim, key: attackerKey)
            case "unknown kid": token = try server.installToken(clientKey: victim, key: attackerKey, kid: "attacker-key")
            case "hostile kid": token = try server.installToken(clientKey: victim, kid: "../../keys/host-key-1")
            case "wrong aud": token = try server.installToken(clientKey: victim, aud: .array([.string("https://evil.example")]))
            case "iss is not the payload's clientKey": token = try server.installToken(clientKey: victim, iss: "jira:attacker")
            case "HS256 token on /installed":
                token = server.requestToken(clientKey: victim, secret: Self.secret1, method: "POST", path: "/installed")
            case "context token on a lifecycle route": token = try server.installToken(clientKey: victim, contextQSH: true)
            case "expired install token": token = try server.installToken(clientKey: victim, issuedAt: UnixTime.now() - 3600)
            case "token for /uninstalled replayed on /installed": token = try server.installToken(clientKey: victim, path: "/uninstalled")
            case "valid token for another tenant's body":
                token = try server.installToken(clientKey: "jira:attacker")  // genuine for the attacker's own install
            case "oversized payload":
                token = try server.installToken(clientKey: victim)
                body = H.payload(victim, event: .installed, secret: Self.secret2, extra: ["padding": .string(String(repeating: "x", count: 70_000))])
            case "malformed JSON payload":
                token = try server.installToken(clientKey: victim)
                body = Array("{\"clientKey\":\"\(victim)\",".utf8)
            case "payload without sharedSecret":
                token = try server.installToken(clientKey: victim)
                body = H.payload(victim, event: .installed)
            default:
                token = try server.installToken(clientKey: victim)
                body = H.payload(victim, event: .installed, secret: "too-short")
            }
            let result = try await server.lifecycle(.installed, token: token, body: body)
            #expect(result.status == attack.status, "\(attack.name): \(result.status) \(result.body)")
            #expect(result.body.contains(attack.reason.rawValue), "\(attack.name): \(result.body)")
            #expect(try await server.store.tenant(clientKey: victim) == before, "\(attack.name) changed the tenant")
            let last = try #require(try await server.store.history(HistoryQuery(limit: 1)).first)
            #expect(last.outcome == .rejected, "\(attack.name)")
            #expect(last.reason == attack.reason, "\(attack.name): recorded \(String(describing: last.reason))")
        }
        let rejected = try await server.store.history(HistoryQuery(outcome: .rejected, limit: 100))
        #expect(rejected.count == Self.attacks.count)
        // The install key was fetched once and then served from the cache; the unknown kid was
        // asked for (and refused); the hostile kid never reached the keys server.
        #expect(await server.keyRequests.entries == ["host-key-1", "attacker-key"])
        #expect(await server.installed.tenants.count == 1)
    }

    @Test func legacyModeAcceptsAnUnsignedFirstInstallOnly() async throws {
        let server = try await H.start(location: try await TestStoreBackend.sqlite.freshLocation(), legacyInstall: true)
        defer { Task { await server.stop() } }
        let key = "bitbucket:legacy"
        // A secret in the form of one sealed at rest would be stored plain and read as sealed
        // under a key nobody has: the server then refused to start (red team N4). Refused here.
        let sealedLooking = try await server.lifecycle(.installed, token: nil, body: H.payload(key, event: .installed, secret: "v1:deadbeef:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBB"))
        #expect(sealedLooking.status == 400 && sealedLooking.body.contains("invalid_lifecycle_payload"), "\(sealedLooking.status) \(sealedLooking.body)")
        #expect(try await server.store.tenant(clientKey: key) == nil)
        let first = try await server.lifecycle(.installed, token: nil, body: H.payload(key, event: .installed, secret: Self.secret1))
        #expect(first.status == 204)
        #expect(try await server.store.history(HistoryQuery(clientKey: key)).first?.auth == "unsigned-first-install")
        let unsigned = try await server.lifecycle(.installed, token: nil, body: H.payload(key, event: .installed, secret: Self.secret2))
        #expect(unsigned.status == 401)
        #expect(unsigned.body.contains("unsigned_reinstall"))
        let wrongSecret = try await server.lifecycle(.installed, token: server.requestToken(clientKey: key, secret: Self.secret2, method: "POST", path: "/installed"),
                                                     body: H.payload(key, event: .installed, secret: Self.secret2))
        #expect(wrongSecret.body.contains("bad_signature"))
        #expect(try await server.store.tenant(clientKey: key)?.sharedSecret == SharedSecret(Self.secret1))
        let signed = try await server.lifecycle(.installed, token: server.requestToken(clientKey: key, secret: Self.secret1, method: "POST", path: "/installed"),
                                                body: H.payload(key, event: .installed, secret: Self.secret2))
        #expect(signed.status == 204)
        #expect(try await server.store.tenant(clientKey: key)?.sharedSecret == SharedSecret(Self.secret2))
    }
}
