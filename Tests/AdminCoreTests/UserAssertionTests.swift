@testable import AdminCore
@testable import ConnectCore
import ConnectTestSupport
import Foundation
import Testing

/// Act-as-user assertions: what the signer produces, every way one can be wrong with the exact
/// reason code, random mutations, and the store-backed explanation (which tenant an issuer is).
@Suite struct UserAssertionTests {
    static let now: Int64 = 1_700_000_000
    static let secret = SharedSecret("assertion-secret-0123456789abcdefgh")
    static let jira = Tenant(clientKey: "jira:aaaa", addonKey: "com.example.app", baseUrl: "https://acme.atlassian.net",
                             productType: "jira", oauthClientId: "oauth-acme", secret: .open(secret), state: .installed,
                             installedAt: nil, updatedAt: nil)
    static let wiki = Tenant(clientKey: "confluence:bbbb", addonKey: "com.example.app", baseUrl: "https://acme.atlassian.net/wiki",
                             productType: "confluence", oauthClientId: "oauth-acme-wiki", secret: .open(SharedSecret("wiki-secret-0123456789abcdefghijkl")),
                             state: .installed, installedAt: nil, updatedAt: nil)

    static func claims(_ tenant: Tenant = jira, account: String = "5b10ac8d82e05b22cc7d4ef5") throws -> JSONObject {
        try UserAssertion.claims(for: tenant, accountId: account, issuedAt: now, ttl: 60)
    }

    static func verify(_ claims: JSONObject, tenant: Tenant = jira, secret: SharedSecret? = nil, alg: String? = nil,
                       issuerOwner: String? = nil, at: Int64 = now + 5) -> VerificationReport {
        var token = ConnectTokenSigner.hs256(claims: claims, secret: secret ?? (try! tenant.sharedSecret))
        if let alg {  // re-sign under another header: HS512 or none
            let header = Base64URL.encode(Array(#"{"alg":"\#(alg)","typ":"JWT"}"#.utf8))
            let body = token.split(separator: ".")[1]
            token = alg == "none" ? "\(header).\(body)." : "\(header).\(body).\(token.split(separator: ".")[2])"
        }
        return ConnectTokenVerifier().verify(token, expecting: TokenExpectation(kind: .userAssertion(UserAssertionExpectation(tenant: tenant, issuerOwner: issuerOwner))),
                                             now: at) { _ in TenantKeyLookup.lookup(tenant, clientKey: tenant.clientKey) }
    }

    @Test func signedAssertionCarriesExactlyTheDocumentedClaimsAndVerifies() throws {
        let claims = try Self.claims()
        #expect(Set(claims.members.map(\.key)) == ["iss", "sub", "tnt", "aud", "iat", "exp"])
        #expect(claims["iss"] == .string("urn:atlassian:connect:clientid:oauth-acme"))
        #expect(claims["sub"] == .string("urn:atlassian:connect:useraccountid:5b10ac8d82e05b22cc7d4ef5"))
        #expect(claims["tnt"] == .string("https://acme.atlassian.net"))
        #expect(claims["aud"] == .string("https://oauth-2-authorization-server.services.atlassian.com"))
        #expect(claims["exp"] == .integer(Self.now + 60))
        let report = Self.verify(claims)
        #expect(report.valid, "\(report.failures)")
        #expect(report.checks.map(\.name) == [.format, .algorithm, .header, .requiredClaims, .claimTypes, .key, .secret, .signature,
                                               .issuer, .subject, .tenant, .audience, .expiry, .issuedAt, .lifetime, .qsh])
        #expect(!report.checks.contains { $0.warning })
    }

    @Test func signingRefusesWhatCannotWork() {
        var bare = Self.jira
        bare.oauthClientId = nil
        #expect(throws: UserAssertion.Unsignable.self) { try UserAssertion.claims(for: bare, accountId: "abc", issuedAt: Self.now) }
        #expect(throws: UserAssertion.Unsignable.self) { try UserAssertion.claims(for: Self.jira, accountId: "a b", issuedAt: Self.now) }
        #expect(throws: UserAssertion.Unsignable.self) { try UserAssertion.claims(for: Self.jira, accountId: "abc", issuedAt: Self.now, ttl: 61) }
    }

    /// One broken thing per row, and the reason code it must be refused with.
    static let broken: [(String, @Sendable (inout JSONObject) -> Void, ReasonCode)] = [
        ("iss is the clientKey", { $0["iss"] = .string("jira:aaaa") }, .wrongIssuer),
        ("iss names another oauthClientId", { $0["iss"] = .string(UserAssertion.issuerPrefix + "oauth-other") }, .wrongIssuer),
        ("iss has a typo in the urn", { $0["iss"] = .string("urn:atlassian:connect:clientId:oauth-acme") }, .wrongIssuer),
        ("iss missing", { $0["iss"] = nil }, .missingClaim),
        ("iss a number", { $0["iss"] = .integer(1) }, .claimType),
        ("sub is a bare account id", { $0["sub"] = .string("5b10ac8d82e05b22cc7d4ef5") }, .invalidSubject),
        ("sub has an empty account", { $0["sub"] = .string(UserAssertion.subjectPrefix) }, .invalidSubject),
        ("sub account has spaces", { $0["sub"] = .string(UserAssertion.subjectPrefix + "a b") }, .invalidSubject),
        ("sub missing", { $0["sub"] = nil }, .missingClaim),
        ("tnt another site", { $0["tnt"] = .string("https://other.atlassian.net") }, .wrongTenant),
        ("tnt missing", { $0["tnt"] = nil }, .missingClaim),
        ("tnt an array", { $0["tnt"] = .array([.string("https://acme.atlassian.net")]) }, .claimType),
        ("aud the app", { $0["aud"] = .string("https://app.example.com") }, .wrongAudience),
        ("aud missing", { $0["aud"] = nil }, .missingClaim),
        ("lifetime 61 s", { $0["exp"] = .integer(now + 61) }, .lifetimeTooLong),
        ("lifetime an hour", { $0["exp"] = .integer(now + 3600) }, .lifetimeTooLong),
        ("exp before iat", { $0["exp"] = .integer(now - 1) }, .expired),
        ("exp missing", { $0["exp"] = nil }, .missingClaim),
        ("exp a string", { $0["exp"] = .string("soon") }, .claimType),
        ("expired long ago", { $0["iat"] = .integer(now - 600); $0["exp"] = .integer(now - 560) }, .expired),
        ("issued in the future", { $0["iat"] = .integer(now + 600); $0["exp"] = .integer(now + 630) }, .issuedInFuture),
        ("not before the future", { $0["nbf"] = .integer(now + 600) }, .notYetValid),
        ("carries a qsh", { $0["qsh"] = .string("context-qsh") }, .unexpectedQSH),
    ]

    @Test(arguments: broken.indices)
    func eachBrokenClaimIsRefusedWithItsReason(_ index: Int) throws {
        let (name, breakIt, reason) = Self.broken[index]
        var claims = try Self.claims()
        breakIt(&claims)
        let report = Self.verify(claims)
        #expect(!report.valid, "\(name)")
        #expect(report.failures.compactMap(\.reason) == [reason], "\(name): \(report.failures.map(\.detail))")
    }

    @Test func confluenceTntWithoutWikiSaysSo() throws {
        var claims = try Self.claims(Self.wiki)
        claims["tnt"] = .string("https://acme.atlassian.net")
        let report = Self.verify(claims, tenant: Self.wiki)
        #expect(report.failures.map(\.reason) == [.wrongTenant])
        #expect(report.failures.first?.detail.contains("lacks /wiki") == true)
    }

    @Test func keysAndAlgorithmsThatMustNotVerify() throws {
        let claims = try Self.claims()
        let wrong = Self.verify(claims, secret: SharedSecret("another-secret-0123456789abcdefghij"))
        #expect(wrong.failures.map(\.reason) == [.badSignature])
        let hs512 = Self.verify(claims, alg: "HS512")
        #expect(hs512.failures.compactMap(\.reason).contains(.unsupportedAlgorithm))
        #expect(!hs512.valid)
        let none = Self.verify(claims, alg: "none")
        #expect(!none.valid)
        #expect(none.failures.compactMap(\.reason).contains(.unsupportedAlgorithm))
        var uninstalled = Self.jira
        uninstalled.state = .uninstalled
        #expect(Self.verify(claims, tenant: uninstalled).failures.map(\.reason) == [.tenantUninstalled])
    }

    @Test func deprecatedFormsWarnButPass() throws {
        var claims = try Self.claims()
        claims["sub"] = .string(UserAssertion.legacySubjectPrefix + "admin")
        claims["aud"] = .string(UserAssertion.legacyAudience)
        let report = Self.verify(claims)
        #expect(report.valid)
        #expect(report.checks.filter(\.warning).map(\.name) == [.subject, .audience])
    }

    @Test func theLeewayIsShownWithTheTimeFailures() throws {
        let report = Self.verify(try Self.claims(), at: Self.now + 200)
        let expiry = try #require(report.failures.first)
        #expect(expiry.reason == .expired)
        #expect(expiry.detail.contains("leeway 60 s"))
    }

    @Test func anotherTenantsIssuerIsNamed() throws {
        var claims = try Self.claims()
        claims["iss"] = .string(UserAssertion.issuerPrefix + "oauth-acme-wiki")
        let detail = Self.verify(claims, issuerOwner: "confluence:bbbb").failures.first?.detail ?? ""
        #expect(detail.contains("confluence:bbbb"))
        #expect(detail.contains("oauth-acme"))
    }

    /// Property: change any claim in a way that matters — re-signed with the right secret or
    /// not — and the assertion never verifies.
    @Test(arguments: [11, 12, 13] as [UInt64])
    func randomClaimMutationsNeverVerify(seed: UInt64) throws {
        var rng = TokenMutationPropertyTests.SeededGenerator(state: seed)
        let original = try Self.claims()
        let names = ["iss", "sub", "tnt", "aud", "iat", "exp", "qsh"]
        for _ in 0..<400 {
            var claims = original
            let name = names.randomElement(using: &rng) ?? "iss"
            switch (name, Int.random(in: 0..<3, using: &rng)) {
            case (_, 0):
                claims[name] = name == "qsh" ? .string("context-qsh") : nil  // dropped (or, for qsh, added)
            case ("iat", _), ("exp", _):
                // Out of the window: later than exp, or stretching the lifetime past 60 s.
                let shift = Int64.random(in: 1...100_000, using: &rng)
                claims[name] = .integer(name == "iat" ? Self.now + 60 + shift : Self.now + 60 + shift)
            case (_, 1):
                claims[name] = .integer(Int64.random(in: 0...9, using: &rng))  // wrong type
            default:
                // One character of the string changed, inserted or removed.
                var text = Array(claims[name]?.stringValue ?? "x")
                let at = Int.random(in: 0..<text.count, using: &rng)
                let letter = Character(UnicodeScalar(UInt8.random(in: 0x21...0x7E, using: &rng)))
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: text.remove(at: at)
                case 1: text.insert(letter, at: at)
                default: if text[at] == letter { text.remove(at: at) } else { text[at] = letter }
                }
                claims[name] = .string(String(text))
            }
            let resigned = Self.verify(claims)
            #expect(!resigned.valid || Self.harmless(claims), "\(name) → \(claims[name].map { "\($0)" } ?? "removed")")
            // The mutated claims under the original signature: the signature check catches it.
            let original = ConnectTokenSigner.hs256(claims: original, secret: Self.secret)
            let forged = ConnectTokenSigner.signingInput(header: JSONObject(["alg": .string("HS256"), "typ": .string("JWT")]), claims: claims)
                + "." + original.split(separator: ".")[2]
            let report = ConnectTokenVerifier().verify(forged, expecting: TokenExpectation(kind: .userAssertion(UserAssertionExpectation(tenant: Self.jira))),
                                                       now: Self.now + 5) { _ in TenantKeyLookup.lookup(Self.jira, clientKey: Self.jira.clientKey) }
            #expect(!report.valid)
        }
    }

    /// Changes that leave a valid assertion valid: another well-formed account id, or a
    /// trailing slash on tnt or aud.
    static func harmless(_ claims: JSONObject) -> Bool {
        guard let sub = claims["sub"]?.stringValue, let tnt = claims["tnt"]?.stringValue, let aud = claims["aud"]?.stringValue else { return false }
        return sub.hasPrefix(UserAssertion.subjectPrefix) && UserAssertion.AccountID.isValid(String(sub.dropFirst(UserAssertion.subjectPrefix.count)))
            && ConnectTokenVerifier.trimSlash(tnt) == Self.jira.baseUrl && ConnectTokenVerifier.trimSlash(aud) == UserAssertion.audience
            && claims["iss"] == .string(UserAssertion.issuerPrefix + "oauth-acme") && claims["qsh"] == nil
            && claims["iat"] == .integer(Self.now) && claims["exp"] == .integer(Self.now + 60)
    }

    /// The store-backed explanation: the tenant found from the assertion's own iss, another
    /// tenant's oauthClientId named by clientKey, the stale-secret diagnosis, the kind guessed.
    @Test(arguments: TestStoreBackend.allCases)
    func explanationFromTheStore(_ backend: TestStoreBackend) async throws {
        let store = try await backend.freshStore()
        let stale = Tenant(clientKey: Self.jira.clientKey, addonKey: Self.jira.addonKey, baseUrl: Self.jira.baseUrl, productType: "jira",
                           oauthClientId: "oauth-acme", secret: .open(SharedSecret("old-secret-0123456789abcdefghijklmn")), state: .installed,
                           installedAt: StoreFixtures.t0, updatedAt: StoreFixtures.t0)
        var current = Self.jira
        current.installedAt = StoreFixtures.t0
        current.updatedAt = StoreFixtures.t0.addingTimeInterval(60)
        var wiki = Self.wiki
        wiki.installedAt = StoreFixtures.t0
        wiki.updatedAt = StoreFixtures.t0
        try await store.record(StoreFixtures.install(stale, at: StoreFixtures.t0))
        try await store.record(StoreFixtures.install(current, at: StoreFixtures.t0.addingTimeInterval(60), before: stale.secretFingerprint))
        try await store.record(StoreFixtures.install(wiki, at: StoreFixtures.t0))
        let inspector = TokenInspector(verifier: ConnectTokenVerifier())

        let good = ConnectTokenSigner.hs256(claims: try Self.claims(), secret: Self.secret)
        let found = try await inspector.explain(.init(token: good), store: store, now: Self.now + 5)
        #expect(found.kind == .user && found.kindAssumed)
        #expect(found.clientKey == Self.jira.clientKey)
        #expect(found.report.valid)
        #expect(found.secretMatch == .current(fingerprint: Self.jira.secretFingerprint))

        var claims = try Self.claims()
        claims["iss"] = .string(UserAssertion.issuerPrefix + "oauth-acme-wiki")
        let crossed = try await inspector.explain(.init(token: ConnectTokenSigner.hs256(claims: claims, secret: Self.secret), kind: .user,
                                                        clientKey: Self.jira.clientKey), store: store, now: Self.now + 5)
        #expect(crossed.report.failures.map(\.reason) == [.wrongIssuer])
        #expect(crossed.report.failures.first?.detail.contains("tenant \"confluence:bbbb\"'s") == true)

        let old = ConnectTokenSigner.hs256(claims: try Self.claims(), secret: try stale.sharedSecret)
        let staleReport = try await inspector.explain(.init(token: old, clientKey: Self.jira.clientKey), store: store, now: Self.now + 5)
        #expect(staleReport.report.failures.map(\.reason) == [.badSignature])
        guard case .stale(let fingerprint, _, _)? = staleReport.secretMatch else { Issue.record("not stale: \(String(describing: staleReport.secretMatch))"); return }
        #expect(fingerprint == stale.secretFingerprint)
        await store.close()
    }
}
