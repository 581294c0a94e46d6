import Crypto
import CryptoExtras

/// The Connect JWT verifier: one implementation for the server's decision and the console's
/// explanation, so that what an operator is shown is exactly what the server did.
///
/// It runs every check it can and reports each one; it never stops at the first failure.
/// Checks that need something that is missing (claims of an undecodable token, a key that
/// could not be found) are not reported at all rather than reported as passing.
public struct ConnectTokenVerifier: Sendable {
    /// Seconds of clock skew tolerated on `exp`, `nbf` and `iat`.
    public var leeway: Int64
    /// Shared secrets shorter than this (in UTF-8 bytes) fail the `secret` check. Empty
    /// secrets always fail, whatever this says.
    public var minimumSecretBytes: Int
    public var limits: ConnectToken.Limits

    public init(leeway: Int64 = 60, minimumSecretBytes: Int = 32, limits: ConnectToken.Limits = .init()) {
        self.leeway = leeway
        self.minimumSecretBytes = minimumSecretBytes
        self.limits = limits
    }

    /// The largest time value accepted in `exp`, `iat` and `nbf`: 9999-12-31T23:59:59Z.
    static let maxTime: Int64 = 253_402_300_799
    static let forbiddenHeaders = ["crit", "jku", "x5u", "jwk", "x5c"]
    static let requiredRequestClaims = ["iss", "exp", "iat"]
    static let requiredAssertionClaims = ["iss", "sub", "tnt", "aud", "iat", "exp"]
    /// "iss, exp and iat are present": written once, not on every request.
    static let requiredRequestSentence = presentSentence(requiredRequestClaims)
    static let requiredAssertionSentence = presentSentence(requiredAssertionClaims)
    static let stringClaims = ["iss", "sub", "qsh", "tnt"]

    static func presentSentence(_ names: [String]) -> String {
        names.dropLast().joined(separator: ", ") + " and " + (names.last ?? "") + " are present"
    }
    /// The longest an app's own session token may live (atlassian-connect-express: 15 minutes).
    public static let maximumSessionLifetime: Int64 = 900

    /// Verifies `text` end to end, looking up the key with `key` once the token is decoded.
    public func verify(_ text: String, expecting expectation: TokenExpectation, now: Int64,
                       key: (ConnectToken) -> KeyLookup) -> VerificationReport {
        let token: ConnectToken
        do {
            token = try ConnectToken.decode(text, limits: limits)
        } catch {
            return undecodable(text, error, expecting: expectation, now: now)
        }
        return verify(token, expecting: expectation, now: now, key: key(token))
    }

    /// The report for a token that could not be decoded: the format check alone.
    public func undecodable(_ text: String, _ error: ConnectAuthError,
                            expecting expectation: TokenExpectation, now: Int64) -> VerificationReport {
        VerificationReport(
            checks: [.fail(.format, error.reason, error.detail)],
            tokenText: text.utf8.count <= limits.maxTokenBytes ? text : nil,
            request: expectation.request,
            expectedQSH: expectation.request?.queryStringHash,
            leeway: leeway, now: now)
    }

    /// Verifies a decoded token with the key already looked up (the server looks it up in
    /// the store between decoding and verifying).
    public func verify(_ token: ConnectToken, expecting expectation: TokenExpectation, now: Int64,
                       key lookup: KeyLookup) -> VerificationReport {
        // The report owns the one checks array from the start: appending to a copy would
        // reallocate it on every request.
        var report = VerificationReport(
            checks: [], header: token.header, claims: token.claims, tokenText: token.text,
            leeway: leeway, now: now)
        report.checks.reserveCapacity(16)
        report.checks.append(.pass(.format, "three canonical base64url segments, JSON header and claims"))
        checkHeader(token, expectation, into: &report.checks)
        let times = checkClaims(token, expectation.kind, into: &report.checks)
        checkKey(token, expectation, lookup, into: &report.checks)
        switch expectation.kind {
        case .request: break
        case .outbound(let appKey): checkOutboundIssuer(token, appKey: appKey, into: &report.checks)
        case .appSession(let appKey): checkOutboundIssuer(token, appKey: appKey, into: &report.checks)
        case .userAssertion(let expected): UserAssertionRules.checkIdentity(token, expected, into: &report.checks)
        }
        checkTimes(times, now: now, into: &report.checks)
        switch expectation.kind {
        case .userAssertion:
            if let lifetime = UserAssertionRules.lifetimeCheck(times, maximum: UserAssertion.maximumLifetime) { report.checks.append(lifetime) }
            report.checks.append(UserAssertionRules.qshCheck(token))
        case .appSession:
            if let lifetime = UserAssertionRules.lifetimeCheck(times, maximum: Self.maximumSessionLifetime) { report.checks.append(lifetime) }
            if let qsh = token.queryStringHash, qsh != QSHDiagnosis.contextQSH {
                report.checks.append(.fail(.qsh, .qshMismatch, "a session token carries no qsh (or context-qsh), not a request's"))
            }
            checkAudience(token, expectation, into: &report.checks)
        case .request, .outbound:
            checkQSH(token, expectation, into: &report)
            checkAudience(token, expectation, into: &report.checks)
        }
        return report
    }

    // MARK: - Header

    private func checkHeader(_ token: ConnectToken, _ expectation: TokenExpectation, into checks: inout [VerificationCheck]) {
        let expected = expectation.algorithm.rawValue
        switch token.header["alg"] {
        case nil:
            checks.append(.fail(.algorithm, .unsupportedAlgorithm, "header has no alg; this route accepts only \(expected)"))
        case .string(let alg)? where alg == expected:
            checks.append(.pass(.algorithm, .algorithmIs(expected)))
        case .string(let alg)?:
            checks.append(.fail(.algorithm, .unsupportedAlgorithm,
                                "alg is \(Sanitized.quote(alg)); this route accepts only \(expected)"))
        case let other?:
            checks.append(.fail(.algorithm, .unsupportedAlgorithm, "alg is \(other.typeName), not a string"))
        }

        let forbidden = ConnectTokenVerifier.forbiddenHeaders.filter { token.header[$0] != nil }
        if forbidden.isEmpty {
            checks.append(.pass(.header, "no crit, jku, x5u, jwk or x5c parameter"))
        } else {
            checks.append(.fail(.header, .unsupportedHeader,
                                "header carries \(forbidden.joined(separator: ", ")), which Connect never uses"))
        }

        switch token.header["kid"] {
        case nil:
            if expectation.algorithm == .rs256 {
                checks.append(.fail(.kid, .missingKid, "signed callbacks must name their install key in kid"))
            }
        case .string(let kid)?:
            if KeyID.isValid(kid) {
                checks.append(.pass(.kid, .kidWellFormed(kid)))
            } else {
                checks.append(.fail(.kid, .invalidKid,
                                    "kid \(Sanitized.quote(kid)) is not a key id (letters, digits, '-' and '_', at most 128)"))
            }
        case let other?:
            checks.append(.fail(.kid, .invalidKid, "kid is \(other.typeName), not a string"))
        }
    }

    // MARK: - Claims

    /// Validated times, `nil` where the claim is absent or of the wrong type.
    struct Times {
        var exp: Int64?
        var iat: Int64?
        var nbf: Int64?
    }

    private func checkClaims(_ token: ConnectToken, _ kind: TokenExpectation.Kind, into checks: inout [VerificationCheck]) -> Times {
        let claims = token.claims
        let userAssertion = if case .userAssertion = kind { true } else { false }
        let required = userAssertion ? Self.requiredAssertionClaims : Self.requiredRequestClaims
        let missing = required.filter { claims[$0] == nil }
        if missing.isEmpty {
            checks.append(.pass(.requiredClaims, userAssertion ? Self.requiredAssertionSentence : Self.requiredRequestSentence))
        } else {
            checks.append(.fail(.requiredClaims, .missingClaim, "missing claim\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", "))"))
        }

        var problems: [String] = []
        var times = Times()
        func time(_ name: String) -> Int64? {
            switch claims[name] {
            case nil: return nil
            case .integer(let value)? where value >= 0 && value <= ConnectTokenVerifier.maxTime: return value
            case .integer(let value)?:
                problems.append("\(name) is \(value), outside 0...\(ConnectTokenVerifier.maxTime)")
            case let other?:
                problems.append("\(name) is \(other.typeName), not whole seconds")
            }
            return nil
        }
        times.exp = time("exp")
        times.iat = time("iat")
        times.nbf = time("nbf")
        for name in Self.stringClaims {
            if let value = claims[name], value.stringValue == nil { problems.append("\(name) is \(value.typeName), not a string") }
        }
        switch claims["aud"] {
        case nil, .string?: break
        case .array(let values)? where !values.isEmpty && values.allSatisfy({ $0.stringValue != nil }): break
        case let other?: problems.append("aud is \(other.typeName), not a string or a non-empty array of strings")
        }
        if problems.isEmpty {
            checks.append(.pass(.claimTypes, "claims have the types the profile requires"))
        } else {
            checks.append(.fail(.claimTypes, .claimType, problems.joined(separator: "; ")))
        }
        return times
    }

    // MARK: - Key, secret, signature

    private func checkKey(_ token: ConnectToken, _ expectation: TokenExpectation, _ lookup: KeyLookup,
                          into checks: inout [VerificationCheck]) {
        // A request token's iss is what finds the key; other kinds are signed with a named
        // tenant's key and have an issuer rule of their own.
        let name: VerificationCheck.Name = expectation.kind == .request ? .issuer : .key
        let key: SigningKey?
        switch lookup {
        case .found(let found, let source):
            checks.append(.pass(name, .keySource(source)))
            key = found
        case .refused(let reason, let detail, let found):
            checks.append(.fail(name, reason, detail))
            key = found
        case .unavailable(let reason, let detail):
            checks.append(.fail(name, reason, detail))
            key = nil
        }
        if let expectedIssuer = expectation.issuer, let issuer = token.issuer, !BytewiseKey.same(issuer, expectedIssuer) {
            checks.append(.fail(.issuer, .clientKeyMismatch,
                                "iss \(Sanitized.quote(issuer)) is not the payload's clientKey \(Sanitized.quote(expectedIssuer))"))
        }
        guard let key else { return }

        switch key {
        case .sharedSecret(let secret):
            guard expectation.algorithm == .hs256 else {
                checks.append(.fail(.signature, .unsupportedAlgorithm, "this route needs an RS256 install key, not a shared secret"))
                return
            }
            if secret.isEmpty {
                checks.append(.fail(.secret, .insecureSecret, "the shared secret is empty"))
                return
            }
            if token.signature.isEmpty {
                checks.append(.fail(.signature, .badSignature, "token has no signature"))
                return
            }
            if secret.byteCount < minimumSecretBytes {
                checks.append(.fail(.secret, .insecureSecret,
                                    "the shared secret is \(secret.byteCount) bytes; at least \(minimumSecretBytes) are required"))
            } else {
                checks.append(.pass(.secret, .secret(fingerprint: secret.fingerprint, bytes: secret.byteCount)))
            }
            if HS256.isValid(token.signature, for: token.signingInput, secret: secret) {
                checks.append(.pass(.signature, .hs256Matches(fingerprint: secret.fingerprint)))
            } else {
                checks.append(.fail(.signature, .badSignature, "HS256 signature does not match secret \(secret.fingerprint)"))
            }
        case .rsaPublicKey(let publicKey, let kid):
            guard expectation.algorithm == .rs256 else {
                checks.append(.fail(.signature, .unsupportedAlgorithm, "this route needs a shared secret, not an install key"))
                return
            }
            let signature = _RSA.Signing.RSASignature(rawRepresentation: token.signature)
            if publicKey.isValidSignature(signature, for: SHA256.hash(data: token.signingInput), padding: .insecurePKCS1v1_5) {
                checks.append(.pass(.signature, "RS256 signature matches install key \(kid)"))
            } else {
                checks.append(.fail(.signature, .badSignature, "RS256 signature does not match install key \(kid)"))
            }
        }
    }

    /// App → host and session tokens speak for the app: `iss` is its key, not the tenant's clientKey.
    private func checkOutboundIssuer(_ token: ConnectToken, appKey: String?, into checks: inout [VerificationCheck]) {
        guard let issuer = token.issuer, let appKey else { return }
        if BytewiseKey.same(issuer, appKey) {
            checks.append(.pass(.issuer, "iss is the app key \(Sanitized.quote(appKey))"))
        } else {
            checks.append(.fail(.issuer, .wrongIssuer, "iss \(Sanitized.quote(issuer)) is not the app key \(Sanitized.quote(appKey)): "
                + "app → host and session tokens are issued by the app"))
        }
    }

    // MARK: - Times

    private func checkTimes(_ times: Times, now: Int64, into checks: inout [VerificationCheck]) {
        if let exp = times.exp {
            if now > exp + leeway {
                checks.append(.fail(.expiry, .expired, "token expired \(now - exp) s ago (leeway \(leeway) s)"))
            } else {
                checks.append(.pass(.expiry, .expiresIn(exp: exp, now: now, leeway: leeway)))
            }
        }
        if let nbf = times.nbf {
            if nbf > now + leeway {
                checks.append(.fail(.notBefore, .notYetValid, "token is not valid for another \(nbf - now) s (leeway \(leeway) s)"))
            } else {
                checks.append(.pass(.notBefore, .validSince(nbf: nbf, now: now)))
            }
        }
        if let iat = times.iat {
            if iat > now + leeway {
                checks.append(.fail(.issuedAt, .issuedInFuture,
                                    "token was issued \(iat - now) s in the future: the signer's clock is ahead (leeway \(leeway) s)"))
            } else {
                checks.append(.pass(.issuedAt, .issuedAgo(iat: iat, now: now)))
            }
        }
    }

    // MARK: - qsh and audience

    private func checkQSH(_ token: ConnectToken, _ expectation: TokenExpectation, into report: inout VerificationReport) {
        guard let request = expectation.request else {
            report.checks.append(.skip(.qsh, "qsh not checked: no request to bind it to (jwt verify: pass --method and --url)"))
            return
        }
        let expected = request.queryStringHash
        report.request = request
        report.expectedQSH = expected
        guard let claimed = token.claims["qsh"] else {
            report.checks.append(.fail(.qsh, .missingQSH, "token has no qsh claim, so it is not bound to any request"))
            return
        }
        guard let qsh = claimed.stringValue else { return }  // reported by the claim-types check
        report.tokenQSH = qsh
        if BytewiseKey.same(qsh, QSHDiagnosis.contextQSH) {
            if expectation.allowsContextQSH {
                report.checks.append(.pass(.qsh, "context token (qsh \"context-qsh\"), accepted on this route"))
            } else {
                report.checks.append(.fail(.qsh, .contextQSHNotAllowed,
                                           "token is a context token (qsh \"context-qsh\"); this route needs a token for `\(request.text)`"))
            }
        } else if BytewiseKey.same(qsh, expected) {
            report.checks.append(.pass(.qsh, "qsh matches the canonical request"))
        } else {
            let guess = QSHDiagnosis.requestMatching(qsh: qsh, near: request)
            report.qshSignedFor = guess
            let signedFor = guess.map { "token was signed for `\($0)`" } ?? "token was signed for another request"
            report.checks.append(.fail(.qsh, .qshMismatch, "qsh mismatch: \(signedFor), this request is `\(request.text)`"))
        }
    }

    private func checkAudience(_ token: ConnectToken, _ expectation: TokenExpectation, into checks: inout [VerificationCheck]) {
        let aud = token.claims["aud"]
        let first = token.firstAudience
        switch expectation.audience {
        case .unchecked:
            return
        case .tenant(let clientKey):
            guard aud != nil else {
                checks.append(.pass(.audience, "no aud claim (allowed for host-issued tokens)"))
                return
            }
            if BytewiseKey.same(first, clientKey) {
                checks.append(.pass(.audience, .audienceNames(clientKey)))
            } else {
                checks.append(.fail(.audience, .wrongAudience,
                                    "aud \(first.map { Sanitized.quote($0) } ?? "is unreadable and") does not name tenant \(Sanitized.quote(clientKey))"))
            }
        case .appBaseURL(let urls):
            guard let first else {
                checks.append(.fail(.audience, .wrongAudience, "token has no aud; signed callbacks must name this app's base URL"))
                return
            }
            let normalized = Set(urls.map(ConnectTokenVerifier.trimSlash))
            if normalized.contains(ConnectTokenVerifier.trimSlash(first)) {
                checks.append(.pass(.audience, "aud is this app's base URL"))
            } else {
                checks.append(.fail(.audience, .wrongAudience,
                                    "aud \(Sanitized.quote(first)) is not this app's base URL (\(urls.joined(separator: ", ")))"))
            }
        }
    }

    static func trimSlash(_ url: String) -> String {
        var url = Substring(url)
        while url.hasSuffix("/") { url = url.dropLast() }
        return String(url)
    }
}
