import AdminCore
import ConnectCore
import AsyncHTTPClient
@testable import ConnectServerKit
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import ConnectTestSupport
import Crypto
import Foundation
import Testing

/// `connect-server --upstream` in front of an app that is not ours: a small Python Connect app
/// (`Tests/Fixtures/ace-like-app`, atlassian-jwt, ACE's AddonSettings table in SQLite) on
/// loopback, the sidecar in front of it, the host played by the harness.
@Suite(.serialized) struct SidecarTests {
    /// The Python app, started on a free port (or a given one, to come back after a stop).
    final class AceLikeApp: Sendable {
        let server: FixtureServer
        let db: String
        let log: URL

        init(directory: URL, port: Int = 0, arguments extra: [String] = []) async throws {
            guard let python = ProcessInfo.processInfo.environment["CONNECT_TEST_PYTHON"] else {
                throw TestSetupError("CONNECT_TEST_PYTHON is not set: run scripts/test.sh, which makes a Python with atlassian-jwt")
            }
            db = directory.appendingPathComponent("ace.sqlite").path
            log = directory.appendingPathComponent("requests.log")
            server = try await FixtureServer(python: python, script: "Tests/Fixtures/ace-like-app/app.py",
                                             arguments: ["--db", db, "--log", log.path, "--base-path", ServerHarness.appPath, "--port", String(port)] + extra,
                                             logDirectory: directory)
        }

        var port: Int { server.port }
        var url: String { server.url }
        var requests: [String] { ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }
        /// What each request brought, as the app read it (its `--log` file's JSON twin).
        var received: [Received] {
            let text = (try? String(contentsOf: URL(fileURLWithPath: log.path + ".jsonl"), encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Received.self, from: Data($0.utf8)) }
        }

        /// What the sidecar passed on from its callers (not its own descriptor reads).
        var forwarded: [Received] { received.filter { $0.headers.contains("x-forwarded-for") } }

        struct Received: Decodable {
            var method: String
            /// The request target as it arrived.
            var target: String
            /// The path as a lenient server resolves it (`resolved` in app.py).
            var resolved: String
            var bodyLength: Int
            var authorization: [String]
            var acpt: [String]
            var host: [String]
            var headers: [String]
        }

        func stop() { server.stop() }
    }

    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sidecar-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static let secret = "sidecar-secret-0123456789abcdefghijk"

    /// The fixture app, and a sidecar on SQLite in front of it with `/connect/public/*` public.
    static func appBehindSidecar(timeout: Duration) async throws -> (AceLikeApp, ServerHarness) {
        let app = try await AceLikeApp(directory: try directory())
        do {
            let harness = try await ServerHarness.start(location: try await TestStoreBackend.sqlite.freshLocation()) { configuration in
                configuration.upstream = UpstreamConfiguration(url: app.url, timeout: timeout, publicRoutes: [RouteGlob("/connect/public/*")])
            }
            return (app, harness)
        } catch {
            app.stop()
            throw error
        }
    }

    @Test func installsRequestsAndRefusalsInEnforceMode() async throws {
        let directory = try Self.directory()
        let app = try await AceLikeApp(directory: directory)
        defer { app.stop() }
        let appStore = try await StoreReaders.open(try StoreLocation.named("ace+sqlite:\(app.db)"))
        let harness = try await ServerHarness.start(location: try await TestStoreBackend.sqlite.freshLocation(), appStore: appStore) { configuration in
            configuration.upstream = UpstreamConfiguration(url: app.url, timeout: .seconds(5), publicRoutes: [RouteGlob("/connect/public/*")],
                                                           contextRoutes: [RouteGlob("/connect/ctx/*")])
            configuration.trustedProxies = (try? TrustedProxies(["127.0.0.0/8"])) ?? .none
        }
        defer { Task { await harness.stop(); await appStore.close() } }

        // A signed install: forwarded, answered by the app, recorded with its status, tenant written.
        try await harness.install("jira:one", secret: Self.secret)
        #expect(app.requests.contains("POST /connect/installed"))
        let installed = try #require(try await harness.store.history(HistoryQuery(clientKey: "jira:one", limit: 10)).first)
        #expect(installed.outcome == .accepted && installed.forwarded == true && installed.upstreamStatus == 204)
        #expect(try await harness.store.tenant(clientKey: "jira:one") != nil)

        // A valid request goes through with its body (5 MB) and headers intact.
        let body = (0..<(5 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let token = harness.requestToken(clientKey: "jira:one", secret: Self.secret, method: "POST", path: "/api/data?x=1")
        let passed = try await harness.send(.POST, "/api/data?x=1", token: token, body: body, headers: [("X-Custom", "kept")])
        #expect(passed.status == 200, "\(passed.body)")
        let echoed = try #require(try JSONSerialization.jsonObject(with: Data(passed.body.utf8)) as? [String: Any])
        #expect(echoed["bodyLength"] as? Int == body.count)
        #expect(echoed["bodySha256"] as? String == SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined())
        let headers = try #require(echoed["headers"] as? [String: String])
        #expect(headers["x-custom"] == "kept" && headers["x-forwarded-for"] == "127.0.0.1" && headers["x-forwarded-proto"] == "http")
        #expect(headers["authorization"] == "JWT \(token)")

        // Hop-by-hop fields stay here (and those Connection names); X-Forwarded-For from a trusted
        // proxy is appended to.
        let hops = try await harness.send(.POST, "/api/data?x=1", token: token, body: [1, 2, 3],
                                          headers: [("Keep-Alive", "timeout=5"), ("Proxy-Authorization", "Basic eDp5"), ("X-Kept", "1"),
                                                    ("X-Forwarded-For", "10.0.0.1")])
        let hopHeaders = try #require((try JSONSerialization.jsonObject(with: Data(hops.body.utf8)) as? [String: Any])?["headers"] as? [String: String])
        #expect(hopHeaders["keep-alive"] == nil && hopHeaders["proxy-authorization"] == nil && hopHeaders["x-kept"] == "1")
        #expect(hopHeaders["x-forwarded-for"] == "10.0.0.1, 127.0.0.1")

        // A token in a form field, as a host posts some pages.
        let formToken = harness.requestToken(clientKey: "jira:one", secret: Self.secret, method: "POST", path: "/api/form")
        let form = try await harness.send(.POST, "/api/form", body: Array("a=1&jwt=\(formToken)&b=2".utf8),
                                          headers: [("Content-Type", "application/x-www-form-urlencoded")])
        #expect(form.status == 200, "\(form.body)")
        #expect((try JSONSerialization.jsonObject(with: Data(form.body.utf8)) as? [String: Any])?["bodyLength"] as? Int == "a=1&jwt=\(formToken)&b=2".utf8.count)

        // The app's own session token (ACE's X-acpt: iss the app key, aud the tenant, no qsh)
        // passes on a context route, and nowhere else.
        let now = UnixTime.now()
        let session = ConnectTokenSigner.hs256(claims: JSONObject([
            "iss": .string("com.example.ace-like"), "aud": .array([.string("jira:one")]), "iat": .integer(now), "exp": .integer(now + 900),
        ]), secret: SharedSecret(Self.secret))
        let inPage = try await harness.send(.GET, "/ctx/items", headers: [("X-acpt", session)])
        #expect(inPage.status == 200, "\(inPage.body)")
        let elsewhere = try await harness.send(.GET, "/api/items", headers: [("X-acpt", session)])
        #expect(elsewhere.status == 401)
        #expect(elsewhere.headers.first(name: "X-Connect-Auth-Reason") == "missing_qsh")
        let tooLong = ConnectTokenSigner.hs256(claims: JSONObject([
            "iss": .string("com.example.ace-like"), "aud": .array([.string("jira:one")]), "iat": .integer(now), "exp": .integer(now + 3600),
        ]), secret: SharedSecret(Self.secret))
        #expect(try await harness.send(.GET, "/ctx/items", headers: [("X-acpt", tooLong)]).headers.first(name: "X-Connect-Auth-Reason") == "lifetime_too_long")

        // A forged one is refused here, with its reason, and never reaches the app.
        let forged = harness.requestToken(clientKey: "jira:one", secret: "not-the-secret-0123456789abcdefghij", method: "GET", path: "/api/forged")
        let refused = try await harness.send(.GET, "/api/forged", token: forged)
        #expect(refused.status == 401)
        #expect(refused.headers.first(name: "X-Connect-Auth-Reason") == "bad_signature")
        #expect(!app.requests.contains { $0.contains("/api/forged") })
        let missing = try await harness.send(.GET, "/api/no-token")
        #expect(missing.status == 401 && !app.requests.contains { $0.contains("/api/no-token") })
        // Public routes and the descriptor pass without a token.
        #expect(try await harness.send(.GET, "/public/page").status == 200)
        #expect(try await harness.send(.GET, "/atlassian-connect.json").status == 200)

        // An unsigned reinstall (a hijack attempt) is refused and never forwarded.
        let hijack = try await harness.lifecycle(.installed, token: nil, body: ServerHarness.payload("jira:one", event: .installed, secret: "attacker-secret-0123456789abcdefghij"))
        #expect(hijack.status == 401)
        #expect(app.requests.filter { $0 == "POST /connect/installed" }.count == 1)
        await harness.flushFailures()
        let rejected = try #require(try await harness.store.history(HistoryQuery(clientKey: "jira:one", limit: 10)).first)
        #expect(rejected.outcome == .rejected && rejected.forwarded == false && rejected.upstreamStatus == nil)

        // A tenant only in the app's own store (installed before the sidecar) authenticates.
        let before = "jira:before"
        try ForeignStoreFixture.sqliteExecute(app.db, ["INSERT INTO AddonSettings (clientKey, key, val) VALUES ('\(before)', 'clientInfo', "
            + ForeignStoreFixture.literal(ForeignStoreFixture.clientInfo(clientKey: before, secret: Self.secret, baseUrl: "https://before.atlassian.net")) + ")"])
        let old = try await harness.send(.GET, "/api/old", token: harness.requestToken(clientKey: before, secret: Self.secret, method: "GET", path: "/api/old"))
        #expect(old.status == 200, "\(old.body)")

        // The app refuses an install: the event says so, and no tenant is written.
        var control = HTTPClientRequest(url: app.url + ServerHarness.appPath + "/_control")  // straight to the app
        control.method = .POST
        control.body = .bytes(Array(#"{"failInstalls": true}"#.utf8))
        #expect(try await HTTPClient.shared.execute(control, timeout: .seconds(10)).status.code == 200)
        let failing = try await harness.lifecycle(.installed, token: try harness.installToken(clientKey: "jira:two"),
                                                  body: ServerHarness.payload("jira:two", event: .installed, secret: Self.secret))
        #expect(failing.status == 500)
        let refusedByApp = try #require(try await harness.store.history(HistoryQuery(clientKey: "jira:two", limit: 10)).first)
        #expect(refusedByApp.outcome == .accepted && refusedByApp.forwarded == true && refusedByApp.upstreamStatus == 500)
        #expect(try await harness.store.tenant(clientKey: "jira:two") == nil)
    }

    @Test func observeModeForwardsAndRecordsDisagreements() async throws {
        let directory = try Self.directory()
        let app = try await AceLikeApp(directory: directory)
        defer { app.stop() }
        let harness = try await ServerHarness.start(location: try await TestStoreBackend.sqlite.freshLocation()) { configuration in
            configuration.upstream = UpstreamConfiguration(url: app.url, timeout: .seconds(5), observe: true)
        }
        defer { Task { await harness.stop() } }
        try await harness.install("jira:obs", secret: Self.secret)
        // No exp: we refuse it (missing_claim); the app, like ACE, checks exp only when present.
        var claims = ConnectClaims(issuer: "jira:obs", issuedAt: UnixTime.now(), request: CanonicalRequest(method: "GET", url: "/api/lax")).object
        claims["exp"] = nil
        let lax = ConnectTokenSigner.hs256(claims: claims, secret: SharedSecret(Self.secret))
        let forwarded = try await harness.send(.GET, "/api/lax", token: lax, headers: [("X-Forwarded-For", "10.9.9.9")])
        #expect(forwarded.status == 200)
        // From a peer that is not a trusted proxy, X-Forwarded-For is ours alone.
        let seen = (try JSONSerialization.jsonObject(with: Data(forwarded.body.utf8)) as? [String: Any])?["headers"] as? [String: String]
        #expect(seen?["x-forwarded-for"] == "127.0.0.1")
        #expect(app.requests.contains("GET /connect/api/lax"))
        await harness.flushFailures()
        let failures = try await harness.store.failures(FailureQuery(limit: 10))
        #expect(Set(failures.map(\.reason)) == [.missingClaim, .disagreement], "\(failures.map(\.reason))")
        #expect(failures.first { $0.reason == .disagreement }?.detail.contains("the app answered 200") == true)
    }

    /// Many requests, with and without bodies, over the same pooled connections, and redirects
    /// go back to the caller instead of being followed.
    @Test func keepAliveTrafficAndRedirectsPassThrough() async throws {
        let (app, harness) = try await Self.appBehindSidecar(timeout: .seconds(10))
        defer { app.stop(); Task { await harness.stop() } }
        for index in 0..<150 {
            let result = index % 3 == 0
                ? try await harness.send(.POST, "/public/p\(index)", body: Array(repeating: UInt8(index & 0xFF), count: index * 97))
                : try await harness.send(.GET, "/public/g\(index)")
            #expect(result.status == 200, "request \(index): \(result.status) \(result.body)")
            if index % 3 == 0 {
                #expect((try JSONSerialization.jsonObject(with: Data(result.body.utf8)) as? [String: Any])?["bodyLength"] as? Int == index * 97)
            }
        }
        // A client that does not follow redirects itself, to see what the sidecar answered.
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let redirect = try await client.execute(HTTPClientRequest(url: harness.local + ServerHarness.appPath + "/public/redirect"), timeout: .seconds(10))
        try await client.shutdown()
        #expect(redirect.status.code == 302)
        #expect(redirect.headers.first(name: "Location") == "/connect/public/elsewhere")
        #expect(!app.requests.contains { $0.contains("/public/elsewhere") })
    }

    /// What the sidecar's own client must get right about the app's answers: a large one of
    /// unknown length streams through intact; HEAD has a length and no body, and the
    /// connection stays usable after it; a connection the app closes after answering, without
    /// saying so, costs no caller an error; an app too slow is 504 within the timeout, and the
    /// next request gets a fresh connection.
    @Test func theAppsAnswersPassThroughAsTheyCome() async throws {
        let (app, harness) = try await Self.appBehindSidecar(timeout: .seconds(1))
        defer { app.stop(); Task { await harness.stop() } }

        let size = 3 * 1024 * 1024 + 17
        let big = try await HTTPClient.shared.execute(HTTPClientRequest(url: harness.local + ServerHarness.appPath + "/public/big?bytes=\(size)"),
                                                      timeout: .seconds(30))
        #expect(big.status.code == 200)
        let bytes = try await big.body.collect(upTo: 8 * 1024 * 1024)
        #expect(bytes.readableBytes == size)
        let expected = SHA256.hash(data: (0..<size).map { UInt8(truncatingIfNeeded: $0) })
        #expect(SHA256.hash(data: Array(buffer: bytes)) == expected, "the streamed answer changed on the way")

        for length in [100, 40_000] {
            let head = try await harness.send(.HEAD, "/public/head?length=\(length)")
            #expect(head.status == 200 && head.body.isEmpty)
            #expect(head.headers.first(name: "Content-Length") == String(length))
            #expect(try await harness.send(.GET, "/public/after-head").status == 200)
        }

        for index in 0..<40 {
            let dropped = try await harness.send(.GET, "/public/drop")
            #expect(dropped.status == 200, "request \(index) on a connection the app had closed: \(dropped.status) \(dropped.body)")
        }

        let started = ContinuousClock.now
        let slow = try await harness.send(.GET, "/public/slow?ms=10000")
        #expect(slow.status == 504)
        #expect(ContinuousClock.now - started < .seconds(8), "the app's 10 s, not the sidecar's 1 s timeout")
        await harness.flushFailures()
        #expect(try await harness.store.failures(FailureQuery(limit: 10)).contains { $0.reason == .upstreamUnavailable })
        #expect(try await harness.send(.GET, "/public/after-timeout").status == 200)

        // The head and a first part, then the app stalls for a minute: the timeout covers gaps
        // inside an answer too, so the caller's answer breaks off instead of hanging (red team N7).
        let stalled = ContinuousClock.now
        let stall = try await HTTPClient.shared.execute(HTTPClientRequest(url: harness.local + ServerHarness.appPath + "/public/stall?ms=60000"),
                                                        timeout: .seconds(120))
        #expect(stall.status.code == 200)
        var got = ""
        do {
            for try await part in stall.body { got += String(buffer: part) }
            Issue.record("the stalled answer ended as if complete: \(got)")
        } catch {}
        #expect(got == "first")
        #expect(ContinuousClock.now - stalled < .seconds(30), "ended by the app's 60 s stall, not the sidecar's 1 s timeout")
    }

    /// The timeout (`--upstream-timeout`) is for an app that does not move, not for a long
    /// transfer: an upload twice as long as the timeout passes while it keeps moving, and an app
    /// that answers before it has read an upload and then stops reading has its answer passed
    /// back within the timeout, not when it lets go of the connection.
    @Test func uploadsThatTakeTheirTime() async throws {
        let (app, harness) = try await Self.appBehindSidecar(timeout: .seconds(1))
        defer { app.stop(); Task { await harness.stop() } }

        // Six parts of 64 KiB, 400 ms apart: 2 s in all, never 1 s without a part.
        let parts = 6, partSize = 64 * 1024
        let trickle = AsyncStream<ByteBuffer> { continuation in
            let feeder = Task {
                for index in 0..<parts {
                    if index > 0 { try? await Task.sleep(for: .milliseconds(400)) }
                    continuation.yield(ByteBuffer(repeating: UInt8(index), count: partSize))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in feeder.cancel() }
        }
        var upload = HTTPClientRequest(url: harness.local + ServerHarness.appPath + "/public/upload")
        upload.method = .POST
        upload.body = .stream(trickle, length: .known(Int64(parts * partSize)))
        let started = ContinuousClock.now
        let uploaded = try await HTTPClient.shared.execute(upload, timeout: .seconds(60))
        let answer = try await uploaded.body.collect(upTo: 64 * 1024)
        #expect(uploaded.status.code == 200, "\(uploaded.status) \(String(buffer: answer))")
        #expect((try JSONSerialization.jsonObject(with: Data(buffer: answer)) as? [String: Any])?["bodyLength"] as? Int == parts * partSize)
        #expect(ContinuousClock.now - started > .milliseconds(1500), "the upload did not outlast the timeout: this test proved nothing")

        // 16 MB: more than the loopback buffers between the sidecar and the app take unread.
        var refused = HTTPClientRequest(url: harness.local + ServerHarness.appPath + "/public/early?hold=15000")
        refused.method = .POST
        refused.body = .bytes(ByteBuffer(repeating: 7, count: 16 * 1024 * 1024))
        let sent = ContinuousClock.now
        let early = try await HTTPClient.shared.execute(refused, timeout: .seconds(60))
        _ = try await early.body.collect(upTo: 64 * 1024)
        #expect(early.status.code == 413)
        #expect(ContinuousClock.now - sent < .seconds(10), "the app's 15 s hold, not the sidecar's 1 s timeout, ended the upload")
        #expect(try await harness.send(.GET, "/public/after-early").status == 200)
    }

    /// A caller that reads a long answer slowly makes the sidecar read slowly from the app: the
    /// sidecar holds a few parts, not the answer (which would grow its memory by whatever the app
    /// sends), and nothing is lost once the caller reads on.
    @Test func aSlowCallerSlowsTheAppDown() async throws {
        let (app, harness) = try await Self.appBehindSidecar(timeout: .seconds(5))
        defer { app.stop(); Task { await harness.stop() } }
        /// How much of the answer the app has written so far (asked of the app directly).
        func written() async throws -> Int {
            var control = HTTPClientRequest(url: app.url + ServerHarness.appPath + "/_control")
            control.method = .POST
            let answer = try await HTTPClient.shared.execute(control, timeout: .seconds(10)).body.collect(upTo: 64 * 1024)
            return (try JSONSerialization.jsonObject(with: Data(buffer: answer)) as? [String: Any])?["bigWritten"] as? Int ?? -1
        }

        let size = 128 * 1024 * 1024
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: harness.local + ServerHarness.appPath + "/public/big?bytes=\(size)"),
                                                           timeout: .seconds(300))
        #expect(response.status.code == 200)
        var parts = response.body.makeAsyncIterator()
        var received = try await parts.next()?.readableBytes ?? 0
        // The caller reads no more: wait until the app has stopped writing (the same figure twice,
        // 300 ms apart), then see how far it got. Loopback buffers hold a few MB per hop.
        var last = -1, now = try await written()
        let deadline = ContinuousClock.now + .seconds(60)
        while now != last && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(300))
            (last, now) = (now, try await written())
        }
        #expect(now == last, "the app never stopped writing")
        #expect(now < size / 2, "the app wrote \(now) of \(size) bytes to a caller that had read \(received): the sidecar did not slow it down")
        while let part = try await parts.next() { received += part.readableBytes }
        #expect(received == size)
    }

    /// An https app is reached over TLS with its certificate checked: the fixture's self-signed
    /// one, which nothing vouches for, fails the handshake, so the caller gets 502, the reason is
    /// recorded, and the request never reaches the app, in clear or otherwise.
    @Test func anHttpsAppWhoseCertificateIsNotTrustedGetsNothing() async throws {
        let directory = try Self.directory()
        let app = try await AceLikeApp(directory: directory, arguments: ["--tls"])
        defer { app.stop() }
        let harness = try await ServerHarness.start(location: try await TestStoreBackend.sqlite.freshLocation()) { configuration in
            configuration.upstream = UpstreamConfiguration(url: "https://127.0.0.1:\(app.port)", timeout: .seconds(5),
                                                           publicRoutes: [RouteGlob("/connect/public/*")])
        }
        defer { Task { await harness.stop() } }
        let answer = try await harness.send(.GET, "/public/secret-path")
        #expect(answer.status == 502, "\(answer.status) \(answer.body)")
        await harness.flushFailures()
        let failure = try await harness.store.failures(FailureQuery(limit: 10)).first { $0.reason == .upstreamUnavailable }
        #expect(failure?.detail.contains("CERTIFICATE_VERIFY_FAILED") == true, "\(failure?.detail ?? "no failure recorded")")
        #expect(!app.requests.contains { $0.contains("secret-path") })
    }

    /// A request without `Content-Length` or `Transfer-Encoding` has no body to stream: handing
    /// the client a stream for it let it read the connection while the server read the next
    /// request (a release build crashed under `scripts/bench-sidecar.sh`).
    @Test func onlyRequestsWithABodyStreamOne() {
        func request(_ fields: HTTPFields) -> Request {
            Request(head: HTTPRequest(method: .get, scheme: "http", authority: "x", path: "/", headerFields: fields),
                    body: RequestBody(buffer: ByteBuffer()))
        }
        guard case .none = UpstreamForwarder.Body.of(request([:])) else { Issue.record("a GET without a body streams"); return }
        guard case .none = UpstreamForwarder.Body.of(request([.contentLength: "0"])) else { Issue.record("an empty body streams"); return }
        guard case .stream(_, let length) = UpstreamForwarder.Body.of(request([.contentLength: "12"])), length == 12 else {
            Issue.record("a body of 12 bytes does not stream"); return
        }
        guard case .stream(_, nil) = UpstreamForwarder.Body.of(request([.transferEncoding: "chunked"])) else {
            Issue.record("a chunked body does not stream"); return
        }
    }

    /// RFC 9110 §7.6.1: the fields a `Connection` field names are hop-by-hop too, both ways.
    @Test func connectionNamedFieldsAreNotForwarded() throws {
        var fields = HTTPFields()
        fields[.connection] = "close, X-Drop"
        fields[try #require(HTTPField.Name("X-Drop"))] = "1"
        fields[try #require(HTTPField.Name("X-Kept"))] = "2"
        fields[.transferEncoding] = "chunked"
        fields[try #require(HTTPField.Name("X-Forwarded-For"))] = "10.1.1.1"
        let untrusted = UpstreamForwarder.requestHeaders(fields, authority: "app.example.test", remoteAddress: "192.0.2.7", trusted: .none)
        #expect(untrusted["X-Drop"].isEmpty && untrusted["Connection"].isEmpty && untrusted["Transfer-Encoding"].isEmpty)
        #expect(untrusted["X-Kept"] == ["2"])
        #expect(untrusted["X-Forwarded-For"] == ["192.0.2.7"] && untrusted["X-Forwarded-Host"] == ["app.example.test"])
        let trusted = UpstreamForwarder.requestHeaders(fields, authority: "app.example.test", remoteAddress: "192.0.2.7", trusted: try TrustedProxies(["192.0.2.0/24"]))
        #expect(trusted["X-Forwarded-For"] == ["10.1.1.1, 192.0.2.7"])
        #expect(UpstreamForwarder.connectionTokens(["keep-alive, X-Secret-Hop"]) == ["keep-alive", "x-secret-hop"])

        let answer: HTTPHeaders = ["Connection": "keep-alive, X-Hop", "X-HOP": "1", "Keep-Alive": "timeout=5",
                                   "Trailer": "X-Sum", "Content-Type": "text/plain", "X-Kept": "2"]
        let passed = UpstreamForwarder.responseFields(answer)
        let kept = try #require(HTTPField.Name("x-kept"))
        #expect(passed[values: .contentType] == ["text/plain"] && passed[kept] == "2")
        #expect(passed.count == 2, "hop-by-hop fields of the app's answer were passed back: \(passed)")
    }

    /// The lifecycle paths the app's descriptor names are the ones the sidecar decides.
    @Test func lifecyclePathsComeFromTheAppsDescriptor() async throws {
        let directory = try Self.directory()
        let app = try await AceLikeApp(directory: directory, arguments: ["--lifecycle-prefix", "/hooks"])
        defer { app.stop() }
        let harness = try await ServerHarness.start(location: try await TestStoreBackend.sqlite.freshLocation()) { configuration in
            configuration.upstream = UpstreamConfiguration(url: app.url, timeout: .seconds(5))
        }
        defer { Task { await harness.stop() } }
        let token = try harness.installToken(clientKey: "jira:hooks", path: "/hooks/installed")
        let result = try await harness.send(.POST, "/hooks/installed", token: token,
                                            body: ServerHarness.payload("jira:hooks", event: .installed, secret: Self.secret))
        #expect(result.status == 204, "\(result.body)")
        let event = try #require(try await harness.store.history(HistoryQuery(clientKey: "jira:hooks", limit: 1)).first)
        #expect(event.eventType == .installed && event.forwarded == true && event.upstreamStatus == 204)
        // The default path is now just a protected route of the app's.
        #expect(try await harness.lifecycle(.installed, token: nil, body: ServerHarness.payload("jira:x", event: .installed, secret: Self.secret)).status == 401)
        #expect(try await harness.store.history(HistoryQuery(clientKey: "jira:x", limit: 1)).isEmpty)
    }

    @Test func aStoppedAppIs502AndComesBack() async throws {
        let directory = try Self.directory()
        let app = try await AceLikeApp(directory: directory)
        let harness = try await ServerHarness.start(location: try await TestStoreBackend.sqlite.freshLocation()) { configuration in
            configuration.upstream = UpstreamConfiguration(url: app.url, timeout: .seconds(3), publicRoutes: [RouteGlob("/connect/public/*")])
        }
        defer { Task { await harness.stop() } }
        #expect(try await harness.send(.GET, "/public/a").status == 200)
        app.stop()
        let started = ContinuousClock.now
        let down = try await harness.send(.GET, "/public/a")
        #expect(down.status == 502 || down.status == 504)
        #expect(ContinuousClock.now - started < .seconds(20))  // within the timeout, not forever
        #expect(try await harness.send(.GET, "/healthz", atRoot: true).status == 200)
        #expect(try await harness.send(.GET, "/readyz", atRoot: true).status == 503)
        await harness.flushFailures()
        #expect(try await harness.store.failures(FailureQuery(limit: 10)).contains { $0.reason == .upstreamUnavailable })
        let back = try await AceLikeApp(directory: directory, port: app.port)
        defer { back.stop() }
        #expect(try await harness.send(.GET, "/public/a").status == 200)
        #expect(try await harness.send(.GET, "/readyz", atRoot: true).status == 200)
    }
}
