import AdminCore
import ConnectCore
import ConnectTestSupport
import Foundation
import Testing

/// Act-as-user through the real binary: `jwt sign --kind user`, `jwt verify` of assertions, and
/// `jwt exchange` against a stand-in authorization server on loopback
/// (`Tests/Fixtures/oauth-standin`), granted, refused, down and silent.
@Suite struct ActAsUserTests {
    static let account = "5b10ac8d82e05b22cc7d4ef5"

    /// A seeded store and its tenants as `tenants --json --reveal-secrets` prints them.
    static func seeded() throws -> (directory: URL, tenants: [[String: Any]]) {
        let directory = try StoreCommandTests.seededDirectory(tenants: 4, failures: 0, events: 0)
        let listed = try CLIRunner.run(["tenants", "--json", "--reveal-secrets"], directory: directory)
        #expect(listed.status == 0, "\(listed.stderr)")
        return (directory, try StoreCommandTests.jsonLines(listed.stdout))
    }

    static func text(_ row: [String: Any], _ key: String) throws -> String { try #require(row[key] as? String, "\(key)") }

    @Test func signedAssertionCarriesTheDocumentedClaimsAndVerifies() throws {
        let (directory, tenants) = try Self.seeded()
        let tenant = tenants[0]
        let key = try Self.text(tenant, "clientKey")
        let signed = try CLIRunner.run(["jwt", "sign", "--kind", "user", "--tenant", key, "--account-id", Self.account,
                                        "--now", "1700000000", "--json"], directory: directory)
        #expect(signed.status == 0, "\(signed.stderr)")
        let object = try StoreCommandTests.jsonLines(signed.stdout)[0]
        let claims = try #require(object["claims"] as? [String: Any])
        #expect(Set(claims.keys) == ["iss", "sub", "tnt", "aud", "iat", "exp"])
        #expect(claims["iss"] as? String == "urn:atlassian:connect:clientid:" + (try Self.text(tenant, "oauthClientId")))
        #expect(claims["sub"] as? String == "urn:atlassian:connect:useraccountid:" + Self.account)
        #expect(claims["tnt"] as? String == (try Self.text(tenant, "baseUrl")))
        #expect(claims["aud"] as? String == "https://oauth-2-authorization-server.services.atlassian.com")
        #expect(claims["exp"] as? Int == 1_700_000_060)
        let curl = try #require((object["exchange"] as? [String: Any])?["curl"] as? String)
        #expect(curl.contains("grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer"))
        #expect(curl.contains("scope=READ ACT_AS_USER"))
        // The library agrees with what the binary signed.
        let token = try Self.text(object, "token")
        let report = ConnectTokenVerifier().verify(token, expecting: TokenExpectation(kind: .userAssertion(UserAssertionExpectation())),
                                                   now: 1_700_000_005) { _ in .found(.sharedSecret(SharedSecret((try? Self.text(tenant, "sharedSecret")) ?? "")), source: "test") }
        #expect(report.valid, "\(report.failures)")

        // Verified from the store: kind read off the token, tenant found by its oauthClientId.
        let verified = try CLIRunner.run(["jwt", "verify", token, "--tenant", key, "--now", "1700000005"], directory: directory)
        #expect(verified.status == 0, "\(verified.stdout)")
        #expect(verified.stdout.contains("user (read off the token)"))
        #expect(verified.stdout.contains("current secret"))
        #expect(!verified.stdout.contains("qsh not checked"))
        // Too late, and as a request token: refused, with the codes that say why.
        let late = try CLIRunner.run(["jwt", "verify", token, "--tenant", key, "--now", "1700000300", "--json"], directory: directory)
        #expect(late.status == 1)
        let lateChecks = try #require(try StoreCommandTests.jsonLines(late.stdout)[0]["checks"] as? [[String: Any]])
        #expect(lateChecks.filter { $0["ok"] as? Bool == false }.compactMap { $0["reason"] as? String } == ["expired"])
        let asRequest = try CLIRunner.run(["jwt", "verify", token, "--tenant", key, "--kind", "request", "--now", "1700000005", "--json"], directory: directory)
        #expect(asRequest.status == 1)
        #expect(try StoreCommandTests.jsonLines(asRequest.stdout)[0]["kind"] as? String == "request")
    }

    @Test func brokenAssertionsAreExplainedByReasonCode() throws {
        let (directory, tenants) = try Self.seeded()
        let tenant = tenants[0], other = tenants[1]
        let key = try Self.text(tenant, "clientKey")
        let secret = SharedSecret(try Self.text(tenant, "sharedSecret"))
        func claims(_ change: (inout JSONObject) -> Void) throws -> String {
            var object = JSONObject([
                "iss": .string(UserAssertion.issuerPrefix + (try Self.text(tenant, "oauthClientId"))),
                "sub": .string(UserAssertion.subjectPrefix + Self.account), "tnt": .string(try Self.text(tenant, "baseUrl")),
                "aud": .string(UserAssertion.audience), "iat": .integer(1_700_000_000), "exp": .integer(1_700_000_060),
            ])
            change(&object)
            return ConnectTokenSigner.hs256(claims: object, secret: secret)
        }
        let otherIssuer = UserAssertion.issuerPrefix + (try Self.text(other, "oauthClientId"))
        let cases: [(String, [String])] = [
            (try claims { $0["iss"] = .string(otherIssuer) }, ["wrong_issuer"]),
            (try claims { $0["tnt"] = .string("https://elsewhere.atlassian.net") }, ["wrong_tenant"]),
            (try claims { $0["aud"] = nil }, ["missing_claim"]),
            (try claims { $0["exp"] = .integer(1_700_003_600) }, ["lifetime_too_long"]),
            (try claims { $0["sub"] = .string(Self.account) }, ["invalid_subject"]),
            (try claims { $0["qsh"] = .string("context-qsh") }, ["unexpected_qsh"]),
        ]
        for (token, reasons) in cases {
            let result = try CLIRunner.run(["jwt", "verify", token, "--tenant", key, "--now", "1700000005", "--json"], directory: directory)
            #expect(result.status == 1)
            let object = try StoreCommandTests.jsonLines(result.stdout)[0]
            #expect(object["kind"] as? String == "user")
            let checks = try #require(object["checks"] as? [[String: Any]])
            #expect(checks.filter { $0["ok"] as? Bool == false }.compactMap { $0["reason"] as? String } == reasons)
            if reasons == ["wrong_issuer"] {
                // The store knows whose oauthClientId it is.
                let detail = checks.first { $0["reason"] as? String == "wrong_issuer" }?["detail"] as? String ?? ""
                #expect(detail.contains(try Self.text(other, "clientKey")), "\(detail)")
            }
        }
    }

    /// App → host tokens: iss the app key, qsh of the host request relative to the tenant's
    /// baseUrl (an absolute URL on the site is the same request), read off the token.
    @Test func outboundTokensHaveTheirOwnRules() throws {
        let (directory, tenants) = try Self.seeded()
        let key = try Self.text(tenants[0], "clientKey"), site = try Self.text(tenants[0], "baseUrl")
        let signed = try CLIRunner.run(["jwt", "sign", "--kind", "outbound", "--tenant", key, "--method", "GET", "--url", "/rest/api/3/myself",
                                        "--now", "1700000000", "--json"], directory: directory)
        #expect(signed.status == 0, "\(signed.stderr)")
        let object = try StoreCommandTests.jsonLines(signed.stdout)[0]
        let token = try Self.text(object, "token")
        #expect((object["claims"] as? [String: Any])?["iss"] as? String == (try Self.text(tenants[0], "addonKey")))
        for url in ["/rest/api/3/myself", site + "/rest/api/3/myself"] {
            let verified = try CLIRunner.run(["jwt", "verify", token, "--tenant", key, "--method", "GET", "--url", url, "--now", "1700000005", "--json"],
                                             directory: directory)
            #expect(verified.status == 0, "\(url): \(verified.stdout)")
            #expect(try StoreCommandTests.jsonLines(verified.stdout)[0]["kind"] as? String == "outbound")
        }
        // A host → app token checked as outbound: its iss is the tenant, not the app.
        let request = try CLIRunner.run(["jwt", "sign", "--tenant", key, "--method", "GET", "--url", "/rest/api/3/myself", "--now", "1700000000"],
                                        directory: directory).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let wrong = try CLIRunner.run(["jwt", "verify", request, "--tenant", key, "--kind", "outbound", "--method", "GET", "--url", "/rest/api/3/myself",
                                       "--now", "1700000005", "--json"], directory: directory)
        #expect(wrong.status == 1)
        let checks = try #require(try StoreCommandTests.jsonLines(wrong.stdout)[0]["checks"] as? [[String: Any]])
        #expect(checks.filter { $0["ok"] as? Bool == false }.compactMap { $0["reason"] as? String } == ["wrong_issuer"])
    }

    @Test func aTenantWithoutOAuthClientIdIsAClearError() throws {
        let path = try ForeignStoreFixture.sqlite([
            "CREATE TABLE \"AddonSettings\" (\"id\" INTEGER PRIMARY KEY AUTOINCREMENT, \"clientKey\" VARCHAR(255), \"key\" VARCHAR(255), \"val\" JSON)",
            "INSERT INTO \"AddonSettings\" (\"clientKey\", \"key\", \"val\") VALUES ('ace-a', 'clientInfo', "
                + ForeignStoreFixture.literal(ForeignStoreFixture.clientInfo(clientKey: "ace-a", secret: "ace-secret-0123456789abcdefghijklmn",
                                                                               baseUrl: "https://ace-a.atlassian.net")) + ")",
            "INSERT INTO \"AddonSettings\" (\"clientKey\", \"key\", \"val\") VALUES ('ace-b', 'clientInfo', "
                + ForeignStoreFixture.literal(ForeignStoreFixture.clientInfo(clientKey: "ace-b", secret: "ace-secret-0123456789abcdefghijklmn",
                                                                               baseUrl: "https://ace-b.atlassian.net", oauthClientId: false)) + ")",
        ])
        let store = "ace+sqlite:\(path)"
        let refused = try CLIRunner.run(["jwt", "sign", "--kind", "user", "--store", store, "--tenant", "ace-b", "--account-id", Self.account])
        #expect(refused.status == 1)
        #expect(refused.stdout.isEmpty)
        #expect(refused.stderr.contains("no oauthClientId"))
        // An ACE store signs and explains assertions like ours.
        let signed = try CLIRunner.run(["jwt", "sign", "--kind", "user", "--store", store, "--tenant", "ace-a", "--account-id", Self.account])
        #expect(signed.status == 0, "\(signed.stderr)")
        let verified = try CLIRunner.run(["jwt", "verify", signed.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "--store", store, "--tenant", "ace-a"])
        #expect(verified.status == 0, "\(verified.stdout)")
        for bad in [["--ttl", "61"], ["--method", "GET", "--url", "/x"]] {
            let usage = try CLIRunner.run(["jwt", "sign", "--kind", "user", "--store", store, "--tenant", "ace-a", "--account-id", Self.account] + bad)
            #expect(usage.status == 2, "\(bad)")
        }
    }

    // MARK: - Exchange

    /// The stand-in authorization server, started on a free loopback port.
    static func standIn(tenants: [[String: Any]]) async throws -> FixtureServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("tenants.json")
        try JSONSerialization.data(withJSONObject: tenants).write(to: file)
        return try await FixtureServer(script: "Tests/Fixtures/oauth-standin/authorization_server.py", arguments: ["--tenants", file.path],
                                       logDirectory: directory)
    }

    static func standInTenants(_ tenants: [[String: Any]], secretOf: (Int) -> String? = { _ in nil }) throws -> [[String: Any]] {
        try tenants.enumerated().map { index, row in
            ["oauthClientId": try text(row, "oauthClientId"), "baseUrl": try text(row, "baseUrl"),
             "sharedSecret": try secretOf(index) ?? text(row, "sharedSecret")]
        }
    }

    @Test func exchangeIsGrantedAndTheAccessTokenStaysHidden() async throws {
        let (directory, tenants) = try Self.seeded()
        let server = try await Self.standIn(tenants: try Self.standInTenants(tenants))
        defer { server.stop() }
        let key = try Self.text(tenants[2], "clientKey")
        let base = ["jwt", "exchange", "--tenant", key, "--account-id", Self.account, "--scope", "read", "--scope", "ACT_AS_USER", "--auth-server", server.url]
        let granted = try CLIRunner.run(base, directory: directory)
        #expect(granted.status == 0, "\(granted.stdout)\(granted.stderr)")
        #expect(granted.stdout.contains("GRANTED"))
        #expect(granted.stdout.contains("READ ACT_AS_USER"))
        #expect(granted.stdout.contains("in 900 s"))
        #expect(!granted.stdout.contains("standin-"))  // the access token itself is hidden
        let revealed = try CLIRunner.run(base + ["--json", "--reveal"], directory: directory)
        #expect(revealed.status == 0)
        let object = try StoreCommandTests.jsonLines(revealed.stdout)[0]
        #expect(object["granted"] as? Bool == true)
        #expect(object["tokenType"] as? String == "Bearer")
        #expect(object["expiresIn"] as? Int == 900)
        #expect((object["accessToken"] as? String)?.hasPrefix("standin-") == true)
    }

    @Test func refusedExchangeShowsTheServersWordsAndOurReading() async throws {
        let (directory, tenants) = try Self.seeded()
        // The authorization server knows a newer secret than this store: the tenant reinstalled.
        let server = try await Self.standIn(tenants: try Self.standInTenants(tenants) { $0 == 1 ? "rotated-secret-0123456789abcdefghijkl" : nil })
        defer { server.stop() }
        let key = try Self.text(tenants[1], "clientKey")
        let base = ["jwt", "exchange", "--tenant", key, "--account-id", Self.account, "--scope", "READ", "--auth-server", server.url]
        let refused = try CLIRunner.run(base, directory: directory)
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("REFUSED"))
        #expect(refused.stdout.contains("HTTP 400"))
        #expect(refused.stdout.contains("invalid_grant: Invalid JWT signature"))
        #expect(refused.stdout.contains("passes every check here"))
        #expect(refused.stdout.contains("VALID"))  // our explanation of the assertion sent
        let json = try CLIRunner.run(base + ["--json"], directory: directory)
        #expect(json.status == 1)
        let object = try StoreCommandTests.jsonLines(json.stdout)[0]
        #expect(object["granted"] as? Bool == false)
        #expect(object["error"] as? String == "invalid_grant")
        #expect(object["errorDescription"] as? String == "Invalid JWT signature")
        #expect((object["assertion"] as? [String: Any])?["valid"] as? Bool == true)
    }

    @Test func anUnreachableOrSilentServerIsAClearErrorWithinTheTimeout() async throws {
        let (directory, tenants) = try Self.seeded()
        let server = try await Self.standIn(tenants: try Self.standInTenants(tenants))
        let key = try Self.text(tenants[0], "clientKey")
        let base = ["jwt", "exchange", "--tenant", key, "--account-id", Self.account, "--scope", "READ"]
        let silent = try CLIRunner.run(base + ["--auth-server", server.url + "/hang", "--timeout", "2"], directory: directory)
        #expect(silent.status == 1)
        #expect(silent.stderr.contains("did not answer within 2 s"), "\(silent.stderr)")
        // A body dripped a byte a second is bounded by --timeout too; a redirect is reported,
        // not followed (red team N8).
        let dripped = try CLIRunner.run(base + ["--auth-server", server.url + "/drip", "--timeout", "2"], directory: directory)
        #expect(dripped.status == 1 && dripped.stderr.contains("did not answer within 2 s"), "\(dripped.status) \(dripped.stderr)")
        let redirected = try CLIRunner.run(base + ["--auth-server", server.url + "/redirect"], directory: directory)
        #expect(redirected.status == 1, "\(redirected.stdout)\(redirected.stderr)")
        #expect(redirected.stderr.contains("answered 307") && redirected.stderr.contains("http://elsewhere.example/oauth2/token")
                && redirected.stderr.contains("not followed"), "\(redirected.stderr)")
        server.stop()
        let started = ContinuousClock.now
        let down = try CLIRunner.run(base + ["--auth-server", server.url, "--timeout", "5"], directory: directory)
        #expect(down.status == 1)
        #expect(down.stderr.contains("cannot reach the authorization server"), "\(down.stderr)")
        #expect(ContinuousClock.now - started < .seconds(30))  // a bound, not a speed target
        for bad in [["--scope", "read-all"], ["--ttl", "90"], ["--auth-server", "ftp://x"]] {
            let usage = try CLIRunner.run(["jwt", "exchange", "--tenant", key, "--account-id", Self.account, "--scope", "READ"] + bad, directory: directory)
            #expect(usage.status == 2, "\(bad): \(usage.stderr)")
        }
    }
}
