import AdminCore
import ConnectCore
import Testing

/// RS256 install tokens, as a Connect host signs `/installed` and `/uninstalled`.
@Suite struct SignedInstallTokenTests {
    static let appBaseURL = "https://app.example.com/connect"
    static let installRequest = CanonicalRequest(method: "POST", url: "\(appBaseURL)/installed", baseURL: appBaseURL)

    static func installToken(_ keys: TestKeys, aud: JSONValue = .array([.string(appBaseURL)]), iss: String = TestSupport.clientKey,
                             request: CanonicalRequest = installRequest) throws -> String {
        var claims = ConnectClaims(issuer: iss, issuedAt: TestSupport.now, request: request).object
        claims["aud"] = aud
        return try ConnectTokenSigner.rs256(claims: claims, privateKey: keys.privateKey, kid: keys.kid)
    }

    static func verify(_ token: String, key: SigningKey) -> VerificationReport {
        let expectation = TokenExpectation(algorithm: .rs256, request: installRequest,
                                           audience: .appBaseURL([appBaseURL + "/"]), issuer: TestSupport.clientKey)
        return ConnectTokenVerifier().verify(token, expecting: expectation, now: TestSupport.now) { _ in
            .found(key, source: "install key")
        }
    }

    @Test func genuineSignedInstallVerifies() throws {
        let keys = try TestKeys.make()
        let report = Self.verify(try Self.installToken(keys), key: keys.signingKey)
        #expect(report.valid, "\(report.failures)")
        #expect(report.header?["kid"] == .string(keys.kid))
    }

    @Test func pemRoundTripKeyVerifies() throws {
        let keys = try TestKeys.make()
        let key = try SigningKey.rsa(pem: keys.publicKeyPEM, kid: keys.kid)
        #expect(Self.verify(try Self.installToken(keys), key: key).valid)
        #expect(throws: ConnectAuthError.self) { try SigningKey.rsa(pem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", kid: "k") }
    }

    @Test func attacksOnSignedInstalls() throws {
        let keys = try TestKeys.make()
        let attacker = try TestKeys.make(kid: keys.kid)
        #expect(Self.verify(try Self.installToken(attacker), key: keys.signingKey).firstFailure?.reason == .badSignature)
        #expect(Self.verify(try Self.installToken(keys, aud: .string("https://evil.example")), key: keys.signingKey)
            .firstFailure?.reason == .wrongAudience)
        #expect(Self.verify(try Self.installToken(keys, iss: "jira:someone-else"), key: keys.signingKey)
            .firstFailure?.reason == .clientKeyMismatch)
        let otherBody = CanonicalRequest(method: "POST", url: "/uninstalled")
        #expect(Self.verify(try Self.installToken(keys, request: otherBody), key: keys.signingKey)
            .firstFailure?.reason == .qshMismatch)
        // An HS256 token on the install route, even a genuine one.
        #expect(Self.verify(TestSupport.validToken(request: Self.installRequest), key: keys.signingKey)
            .firstFailure?.reason == .unsupportedAlgorithm)
        // RS256 without kid.
        var claims = ConnectClaims(issuer: TestSupport.clientKey, issuedAt: TestSupport.now, request: Self.installRequest).object
        claims["aud"] = .string(Self.appBaseURL)
        let header = JSONObject(["alg": .string("RS256")])
        let input = ConnectTokenSigner.signingInput(header: header, claims: claims)
        let signature = try keys.privateKey.signature(for: Array(input.utf8), padding: .insecurePKCS1v1_5)
        let noKid = input + "." + Base64URL.encode(Array(signature.rawRepresentation))
        #expect(Self.verify(noKid, key: keys.signingKey).firstFailure?.reason == .missingKid)
    }

    @Test func signingIsDeterministic() {
        let claims = ConnectClaims(issuer: "app", subject: "user", audience: "jira:1", issuedAt: 10, ttl: 5,
                                   request: CanonicalRequest(method: "GET", url: "/x"),
                                   extra: JSONObject(["z": .integer(1), "a": .bool(true)])).object
        let first = ConnectTokenSigner.hs256(claims: claims, secret: TestSupport.secret)
        let second = ConnectTokenSigner.hs256(claims: JSONObject(claims.members.reversed()), secret: TestSupport.secret)
        #expect(first == second)
        let decoded = try? ConnectToken.decode(first)
        #expect(decoded?.claims.keys == ["a", "aud", "exp", "iat", "iss", "qsh", "sub", "z"])
        #expect(decoded?.header.keys == ["alg", "typ"])
    }
}

/// App → host tokens, as the server and the token lab sign them.
@Suite struct OutboundTokenTests {
    @Test func outboundClaimsNameTheAppAndTheTenantAndHashTheRelativeURL() throws {
        let claims = ConnectClaims.outbound(appKey: "com.example.app", clientKey: "jira:abc", method: "get",
                                            url: "https://site.atlassian.net/wiki/rest/api/content?limit=2&expand=body",
                                            hostBaseURL: "https://site.atlassian.net/wiki", now: 1000, ttl: 60)
        let object = claims.object
        #expect(object["iss"] == .string("com.example.app"))
        #expect(object["aud"] == .string("jira:abc"))
        #expect(object["exp"] == .integer(1060))
        #expect(object["qsh"] == .string(CanonicalRequest(method: "GET", url: "/rest/api/content?expand=body&limit=2").queryStringHash))
        // The host verifies it with the tenant's secret as a token whose aud names the tenant.
        let token = ConnectTokenSigner.hs256(claims: object, secret: TestSupport.secret)
        let report = ConnectTokenVerifier().verify(token, expecting: TokenExpectation(
            request: CanonicalRequest(method: "GET", url: "/rest/api/content?limit=2&expand=body"), audience: .tenant("jira:abc")),
            now: 1010) { _ in .found(.sharedSecret(TestSupport.secret), source: "tenant") }
        #expect(report.valid, "\(report.failures)")
    }
}
