import AdminCore
import ConnectCore
@testable import ConnectServerKit
import ConnectTestSupport
import Foundation
import HTTPTypes
import NIOHTTP1
import Testing

/// The sidecar as a security boundary: each reproduction of the outside red-team pass over
/// `dbff17a` (request smuggling, path confusion, token confusion, proxy-only fields), sent on
/// raw TCP where framing matters, asserted on what the app behind it received.
@Suite(.serialized) struct SidecarHardeningTests {
    typealias AceLikeApp = SidecarTests.AceLikeApp

    /// The fixture app behind a sidecar; `configure` sets the guard (public routes by default).
    static func appBehindSidecar(_ configure: @escaping @Sendable (String) -> UpstreamConfiguration = {
        UpstreamConfiguration(url: $0, timeout: .seconds(10), publicRoutes: [RouteGlob("/connect/public/*")])
    }) async throws -> (AceLikeApp, ServerHarness) {
        let app = try await AceLikeApp(directory: try SidecarTests.directory())
        do {
            let harness = try await ServerHarness.start(location: try await TestStoreBackend.sqlite.freshLocation()) { configuration in
                configuration.upstream = configure(app.url)
            }
            return (app, harness)
        } catch {
            app.stop()
            throw error
        }
    }

    // MARK: - N1: request smuggling

    /// The red team's request: `Connection: content-length` took the framing off a GET whose
    /// body was a second request, which the app then ran without a token.
    @Test func aBodyOnAGetIsRefusedAndNothingReachesTheApp() async throws {
        let (app, harness) = try await Self.appBehindSidecar()
        defer { app.stop(); Task { await harness.stop() } }
        let smuggled = "GET /connect/admin/delete-everything HTTP/1.1\r\nHost: x\r\n\r\n"
        for method in ["GET", "HEAD"] {
            let answer = try await RawHTTPConnection.exchange(port: harness.port, """
                \(method) /connect/atlassian-connect.json HTTP/1.1\r\nHost: a\r\nConnection: content-length\r\nContent-Length: \(smuggled.utf8.count)\r\n\r\n\(smuggled)
                """)
            #expect(answer?.status == 400, "\(method) with a body: \(String(describing: answer))")
        }
        let trace = try await RawHTTPConnection.exchange(port: harness.port, "TRACE /connect/public/x HTTP/1.1\r\nHost: a\r\nContent-Length: \(smuggled.utf8.count)\r\n\r\n\(smuggled)")
        #expect(trace?.status == 405)
        let twoHosts = try await RawHTTPConnection.exchange(port: harness.port, "GET /connect/public/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
        #expect(twoHosts?.status == 400)
        #expect(app.forwarded.isEmpty, "the app received \(app.forwarded.map(\.target))")
        await harness.flushFailures()
        let recorded = try await harness.store.failures(FailureQuery(limit: 10))
        #expect(recorded.filter { $0.reason == .unsafeRequest }.count == 4, "\(recorded.map(\.reason))")
    }

    /// A body on a method that may have one is passed on framed by its length, whatever
    /// `Connection` names: the app reads it as a body, never as the next request, and the
    /// kept-alive connection to the app stays in step for the requests after it.
    @Test func aBodyIsAlwaysFramedSoNoSecondRequestReachesTheApp() async throws {
        let (app, harness) = try await Self.appBehindSidecar()
        defer { app.stop(); Task { await harness.stop() } }
        let smuggled = "GET /connect/admin/delete-everything HTTP/1.1\r\nHost: x\r\n\r\n"
        for method in ["DELETE", "OPTIONS", "PROPFIND", "POST"] {
            let answer = try await RawHTTPConnection.exchange(port: harness.port, """
                \(method) /connect/public/x HTTP/1.1\r\nHost: a\r\nConnection: content-length, transfer-encoding, host\r\nContent-Length: \(smuggled.utf8.count)\r\n\r\n\(smuggled)
                """)
            #expect(answer?.status == 200, "\(method): \(String(describing: answer))")
            let json = try #require(try JSONSerialization.jsonObject(with: Data((answer?.body ?? "").utf8)) as? [String: Any])
            #expect(json["bodyLength"] as? Int == smuggled.utf8.count, "\(method): the app did not read the body as a body")
        }
        // Later requests, on the kept-alive connections to the app, get their own answers.
        for index in 0..<24 {
            let answer = try await RawHTTPConnection.exchange(port: harness.port, "GET /connect/public/n\(index) HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(answer?.status == 200)
        }
        let received = app.forwarded
        #expect(!received.contains { $0.target.contains("delete-everything") }, "the app ran the smuggled request")
        #expect(received.filter { $0.target.hasPrefix("/connect/public/n") }.count == 24)
        #expect(received.allSatisfy { $0.host.count == 1 })
    }

    // MARK: - N2: path confusion

    static let publicEscapes = ["/connect/public/../admin/x", "/connect/public/%2e%2e/admin/x", "/connect/public/..;/admin/x",
                                "/connect/public/..%2fadmin/x", "/connect/public//../admin/x", "/connect/public/%2E%2E/%2e%2E/connect/admin/x",
                                "/connect/public/..%5cadmin/x", "/connect/public/..\\admin/x", "/connect/public/../../../admin",
                                "/connect/public/.%2e/admin/x"]
    static let protectedSpellings = ["/connect/ADMIN/x", "//connect/admin/x", "/connect//admin/x", "/connect/%61dmin/x",
                                     "/connect/admin;jsessionid=1/x", "/connect/./admin/x", "/connect/admin%2fx", "/connect/admin%00/x",
                                     "/connect/Admin/./x", "/connect/x/../admin/x", "/CONNECT/%41DMIN/x", "/connect/admin/"]

    /// Without a token, none of the red team's spellings of a protected path reaches the app,
    /// with `--public` (everything else protected) or with `--protect` (everything else public).
    @Test func noSpellingOfAProtectedPathReachesTheAppWithoutAToken() async throws {
        let (publicApp, publicSidecar) = try await Self.appBehindSidecar()
        defer { publicApp.stop(); Task { await publicSidecar.stop() } }
        for path in Self.publicEscapes {
            let answer = try await RawHTTPConnection.exchange(port: publicSidecar.port, "GET \(path) HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(answer?.status == 400 || answer?.status == 401, "\(path): \(answer?.status ?? 0)")
        }
        #expect(publicApp.forwarded.isEmpty, "reached the app: \(publicApp.forwarded.map(\.target))")

        let (protectApp, protectSidecar) = try await Self.appBehindSidecar {
            UpstreamConfiguration(url: $0, timeout: .seconds(10), protect: [RouteGlob("/connect/admin/*")])
        }
        defer { protectApp.stop(); Task { await protectSidecar.stop() } }
        for path in Self.protectedSpellings {
            let answer = try await RawHTTPConnection.exchange(port: protectSidecar.port, "GET \(path) HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(answer?.status == 400 || answer?.status == 401, "\(path): \(answer?.status ?? 0)")
        }
        #expect(protectApp.forwarded.isEmpty, "reached the app: \(protectApp.forwarded.map(\.target))")
        // What is not protected still passes, as it came (and the app asks for its token).
        let open = try await RawHTTPConnection.exchange(port: protectSidecar.port, "GET /connect/pages/a%20b;v=1 HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(open?.status == 401 && open?.header("X-Connect-Auth-Reason") == nil, "the app's own answer")
        #expect(protectApp.forwarded.map(\.target) == ["/connect/pages/a%20b;v=1"])
    }

    /// A lifecycle path in another case or spelling is still decided by our rules, never passed
    /// to the app as an ordinary request (Express's router takes `/INSTALLED` for `/installed`).
    @Test func anyCaseOrSpellingOfALifecyclePathIsDecidedByOurRules() async throws {
        let (app, harness) = try await Self.appBehindSidecar {
            UpstreamConfiguration(url: $0, timeout: .seconds(10), protect: [RouteGlob("/connect/admin/*")])
        }
        defer { app.stop(); Task { await harness.stop() } }
        let body = String(decoding: ServerHarness.payload("jira:hijack", event: .installed, secret: SidecarTests.secret), as: UTF8.self)
        for path in ["/connect/INSTALLED", "/connect//Installed", "/connect/%69nstalled", "/connect/installed;x=1"] {
            let answer = try await RawHTTPConnection.exchange(port: harness.port, """
                POST \(path) HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)
                """)
            #expect(answer?.status == 401, "\(path): \(String(describing: answer))")
        }
        #expect(app.forwarded.isEmpty, "reached the app: \(app.forwarded.map(\.target))")
        await harness.flushFailures()
        let rejected = try await harness.store.history(HistoryQuery(clientKey: "jira:hijack", limit: 10))
        #expect(rejected.reduce(0) { $0 + $1.count } == 4 && rejected.allSatisfy { $0.outcome == .rejected }, "each decided and recorded")
    }

    /// Paths made of the pieces attackers combine (dot segments raw and encoded, slashes, case,
    /// parameters, escapes), each sent without a token: either the sidecar refuses it, or the
    /// path the app receives resolves — by the app's reading, not the sidecar's — to one the
    /// sidecar let through on purpose.
    @Test func differentialPathsEitherRefusedOrResolvedAsChecked() async throws {
        let pieces = ["public", "admin", "Admin", "..", ".", "%2e%2e", "%2E", "..;", ";x=1", "", "%61dmin", "%2f", "%5c", "x", "%70ublic", "PUBLIC"]
        var generator = SystemRandomNumberGenerator()
        var paths = Set<String>()
        // Every pair, and random longer ones: well over 200 paths.
        for first in pieces { for second in pieces { paths.insert("/connect/" + first + "/" + second + "/x") } }
        while paths.count < 400 {
            let count = Int.random(in: 2...5, using: &generator)
            paths.insert("/connect/" + (0..<count).map { _ in pieces.randomElement(using: &generator)! }.joined(separator: "/"))
        }
        // With `--public '/connect/public/*'` (the rest protected): whatever the app got without a
        // token is under /connect/public/ as the app resolves it.
        let (publicApp, publicSidecar) = try await Self.appBehindSidecar()
        defer { publicApp.stop(); Task { await publicSidecar.stop() } }
        // With `--protect '/connect/admin/*'` (the rest public): nothing the app got resolves
        // there, in any case.
        let (protectApp, protectSidecar) = try await Self.appBehindSidecar {
            UpstreamConfiguration(url: $0, timeout: .seconds(10), protect: [RouteGlob("/connect/admin/*")])
        }
        defer { protectApp.stop(); Task { await protectSidecar.stop() } }
        for path in paths {
            for port in [publicSidecar.port, protectSidecar.port] {
                let answer = try await RawHTTPConnection.exchange(port: port, "GET \(path) HTTP/1.1\r\nHost: a\r\n\r\n")
                #expect(answer != nil, "\(path): no answer")
            }
        }
        let passedPublic = publicApp.forwarded
        for request in passedPublic {
            #expect(request.resolved.hasPrefix("/connect/public/"), "\(request.target) reached the app as \(request.resolved)")
        }
        let passedProtect = protectApp.forwarded
        for request in passedProtect {
            #expect(!request.resolved.lowercased().hasPrefix("/connect/admin/"), "\(request.target) reached the app as \(request.resolved)")
        }
        // Not a vacuous pass: both sidecars let some through, and refused some.
        #expect(passedPublic.count > 10 && passedPublic.count < paths.count, "\(passedPublic.count) of \(paths.count)")
        #expect(passedProtect.count > 10 && passedProtect.count < paths.count, "\(passedProtect.count) of \(paths.count)")
    }

    @Test func normalizedPaths() throws {
        let cases: [(String, String?)] = [
            ("/", "/"), ("/a/b", "/a/b"), ("/a/b/", "/a/b/"), ("//a///b", "/a/b"), ("/a/./b", "/a/b"), ("/a/b/..", "/a/"),
            ("/a/../b", "/b"), ("/a/%2e%2e/b", "/b"), ("/a/..;/b", "/b"), ("/a;x=1/b;y", "/a/b"), ("/%61dmin", "/admin"),
            ("/a%20b", "/a%20b"), ("/a%c3%a9", "/a%C3%A9"), ("/a/.", "/a/"),
            ("/..", nil), ("/a/../..", nil), ("/a%2fb", nil), ("/a%2Fb", nil), ("/a%5cb", nil), ("/a\\b", nil), ("/a%00", nil),
            ("/a%0a", nil), ("/a%zz", nil), ("/a%4", nil), ("/a b", nil), ("/a\u{e9}", nil), ("a/b", nil), ("*", nil),
            ("/a//../b", nil), ("/admin//..", nil),
        ]
        for (raw, expected) in cases {
            let normalized = try? NormalizedPath(raw[...]).value
            #expect(normalized == expected, "\(raw) → \(normalized ?? "refused"), expected \(expected ?? "refused")")
        }
    }

    // MARK: - N3: token confusion

    /// A valid token for one tenant in the header and a forged one for another in the query,
    /// with and without `Connection: Authorization`: refused, and the app gets neither. One
    /// token in two places is one token: it passes, and the app gets exactly it.
    @Test func twoDifferentTokensAreRefusedAndTheAppGetsWhatWasVerified() async throws {
        let (app, harness) = try await Self.appBehindSidecar()
        defer { app.stop(); Task { await harness.stop() } }
        try await harness.install("jira:a", secret: SidecarTests.secret)
        try await harness.install("jira:b", secret: "another-secret-0123456789abcdefghijkl")
        let valid = harness.requestToken(clientKey: "jira:a", secret: SidecarTests.secret, method: "GET", path: "/api/items")
        let forged = harness.requestToken(clientKey: "jira:b", secret: "not-b-secret-0123456789abcdefghijklmn", method: "GET", path: "/api/items")
        for connection in ["", "Connection: Authorization\r\n", "Connection: authorization, x-acpt\r\n"] {
            let answer = try await RawHTTPConnection.exchange(port: harness.port, """
                GET /connect/api/items?jwt=\(forged) HTTP/1.1\r\nHost: a\r\nAuthorization: JWT \(valid)\r\n\(connection)\r\n
                """)
            #expect(answer?.status == 401 && answer?.header("X-Connect-Auth-Reason") == "ambiguous_token", "\(String(describing: answer))")
            let inHeaders = try await RawHTTPConnection.exchange(port: harness.port, """
                GET /connect/api/items HTTP/1.1\r\nHost: a\r\nAuthorization: JWT \(valid)\r\nX-acpt: \(forged)\r\n\(connection)\r\n
                """)
            #expect(inHeaders?.status == 401 && inHeaders?.header("X-Connect-Auth-Reason") == "ambiguous_token")
        }
        let form = "jwt=\(forged)"
        let inForm = try await RawHTTPConnection.exchange(port: harness.port, """
            POST /connect/api/items HTTP/1.1\r\nHost: a\r\nAuthorization: JWT \(valid)\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(form.utf8.count)\r\n\r\n\(form)
            """)
        #expect(inForm?.status == 401 && inForm?.header("X-Connect-Auth-Reason") == "ambiguous_token")
        let reached = app.forwarded.filter { $0.target.hasPrefix("/connect/api/") }
        #expect(reached.isEmpty, "the app received \(reached.map(\.target))")

        // The same token twice, and `Connection` naming the header: passed, with that header.
        let same = try await RawHTTPConnection.exchange(port: harness.port, """
            GET /connect/api/items?jwt=\(valid) HTTP/1.1\r\nHost: a\r\nAuthorization: JWT \(valid)\r\nConnection: Authorization\r\n\r\n
            """)
        #expect(same?.status == 200, "\(String(describing: same))")
        let received = try #require(app.forwarded.last)
        #expect(received.authorization == ["JWT \(valid)"] && received.target == "/connect/api/items?jwt=\(valid)")
    }

    // MARK: - N15: fields only a proxy may set

    /// On real HTTP: from a peer that is not a trusted proxy, the app never sees the fields
    /// some frameworks take for the client's address or the request's real path.
    @Test func theAppNeverSeesProxyOnlyFieldsFromAnUntrustedPeer() async throws {
        let (app, harness) = try await Self.appBehindSidecar()
        defer { app.stop(); Task { await harness.stop() } }
        let answer = try await RawHTTPConnection.exchange(port: harness.port, """
            GET /connect/public/who HTTP/1.1\r\nHost: a\r\nForwarded: for=10.0.0.1\r\nX-Real-IP: 10.0.0.1\r\nX_Forwarded_For: 10.0.0.1\r\nX-Original-URL: /connect/admin\r\nX-Rewrite-URL: /connect/admin\r\nX-Forwarded-For: 10.0.0.1\r\nX-Kept: 1\r\n\r\n
            """)
        #expect(answer?.status == 200)
        let received = try #require(app.forwarded.last)
        #expect(received.headers.contains("x-kept"))
        for name in ["forwarded", "x-real-ip", "x_forwarded_for", "x-original-url", "x-rewrite-url"] {
            #expect(!received.headers.contains(name), "the app received \(name)")
        }
    }

    @Test func proxyOnlyFieldsFromAnUntrustedPeerAreDropped() throws {
        var fields = HTTPFields()
        for (name, value) in [("Forwarded", "for=10.0.0.1"), ("X-Real-IP", "10.0.0.1"), ("X_Forwarded_For", "10.0.0.1"),
                              ("X-Original-URL", "/admin"), ("X-Rewrite-URL", "/admin"), ("X-Kept", "1")] {
            fields[try #require(HTTPField.Name(name))] = value
        }
        let untrusted = UpstreamForwarder.requestHeaders(fields, authority: "a", remoteAddress: "192.0.2.7", trusted: .none)
        #expect(untrusted.map(\.name).sorted() == ["X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Kept"])
        let trusted = UpstreamForwarder.requestHeaders(fields, authority: "a", remoteAddress: "192.0.2.7", trusted: try TrustedProxies(["192.0.2.0/24"]))
        #expect(trusted["X-Original-URL"] == ["/admin"] && trusted["Forwarded"] == ["for=10.0.0.1"] && trusted["X-Real-IP"] == ["10.0.0.1"])
    }
}
