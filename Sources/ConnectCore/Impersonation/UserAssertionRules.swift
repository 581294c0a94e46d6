/// The checks an act-as-user assertion gets beyond the common ones, each naming what to fix:
/// the ones behind the authorization server's bare `invalid_grant`.
///
/// Missing or mistyped claims are reported by the required-claims and claim-types checks, so
/// a rule here only speaks about a claim that is present and of the right type.
enum UserAssertionRules {
    static func checkIdentity(_ token: ConnectToken, _ expected: UserAssertionExpectation, into checks: inout [VerificationCheck]) {
        if let issuer = token.issuer { checks.append(issuerCheck(issuer, expected)) }
        if let subject = token.claims["sub"]?.stringValue { checks.append(subjectCheck(subject)) }
        if let tenant = token.claims["tnt"]?.stringValue { checks.append(tenantCheck(tenant, expected)) }
        if token.claims["aud"] != nil { checks.append(audienceCheck(token.firstAudience)) }
    }

    static func issuerCheck(_ issuer: String, _ expected: UserAssertionExpectation) -> VerificationCheck {
        let form = UserAssertion.issuerPrefix + "{oauthClientId}"
        guard issuer.hasPrefix(UserAssertion.issuerPrefix) else {
            var detail = "iss \(Sanitized.quote(issuer)) is not \(form)"
            if let clientKey = expected.clientKey, BytewiseKey.same(issuer, clientKey) {
                detail += ": that is the tenant's clientKey; an assertion names the tenant's oauthClientId"
            }
            return .fail(.issuer, .wrongIssuer, detail)
        }
        let named = String(issuer.dropFirst(UserAssertion.issuerPrefix.count))
        guard let clientKey = expected.clientKey else {
            return .pass(.issuer, "iss has the \(form) form; which tenant's it is was not checked (no tenant given)")
        }
        guard let own = expected.oauthClientId, !own.isEmpty else {
            return .fail(.issuer, .wrongIssuer, "tenant \(Sanitized.quote(clientKey)) has no oauthClientId in the store "
                + "(its install payload carried none), so no assertion can name it")
        }
        if BytewiseKey.same(named, own) {
            return .pass(.issuer, "iss names tenant \(Sanitized.quote(clientKey))'s oauthClientId")
        }
        let whose = expected.issuerOwner.map { "tenant \(Sanitized.quote($0))'s" } ?? "no tenant's in this store"
        return .fail(.issuer, .wrongIssuer, "iss names oauthClientId \(Sanitized.quote(named)), which is \(whose); "
            + "tenant \(Sanitized.quote(clientKey))'s is \(Sanitized.quote(own))")
    }

    static func subjectCheck(_ subject: String) -> VerificationCheck {
        let form = UserAssertion.subjectPrefix + "{accountId}"
        if subject.hasPrefix(UserAssertion.subjectPrefix) {
            let account = String(subject.dropFirst(UserAssertion.subjectPrefix.count))
            return UserAssertion.AccountID.isValid(account)
                ? .pass(.subject, "sub names account id \(account)")
                : .fail(.subject, .invalidSubject, "sub \(Sanitized.quote(subject)) has the \(form) form, but "
                    + "\(Sanitized.quote(account)) is not an account id (1 to 128 letters, digits, ':', '-' or '_')")
        }
        if subject.hasPrefix(UserAssertion.legacySubjectPrefix) {
            return .warn(.subject, "sub uses the deprecated userkey form; Atlassian asks for \(form)")
        }
        let hint = UserAssertion.AccountID.isValid(subject) ? ": it looks like a bare account id, so prefix it" : ""
        return .fail(.subject, .invalidSubject, "sub \(Sanitized.quote(subject)) is not \(form)\(hint)")
    }

    static func tenantCheck(_ tnt: String, _ expected: UserAssertionExpectation) -> VerificationCheck {
        guard let baseURL = expected.baseURL else {
            return .pass(.tenant, "tnt is \(Sanitized.quote(tnt)); not checked against a tenant (no tenant given)")
        }
        let claimed = ConnectTokenVerifier.trimSlash(tnt), site = ConnectTokenVerifier.trimSlash(baseURL)
        if BytewiseKey.same(claimed, site) {
            return .pass(.tenant, "tnt is the tenant's baseUrl")
        }
        if BytewiseKey.same(claimed + "/wiki", site) {
            return .fail(.tenant, .wrongTenant, "tnt \(Sanitized.quote(tnt)) lacks /wiki: a Confluence tenant's baseUrl is \(Sanitized.quote(baseURL))")
        }
        return .fail(.tenant, .wrongTenant, "tnt \(Sanitized.quote(tnt)) is not the tenant's baseUrl \(Sanitized.quote(baseURL))")
    }

    static func audienceCheck(_ audience: String?) -> VerificationCheck {
        switch audience.map(ConnectTokenVerifier.trimSlash) {
        case UserAssertion.audience?:
            return .pass(.audience, "aud is the authorization server")
        case UserAssertion.legacyAudience?:
            return .warn(.audience, "aud is the older \(UserAssertion.legacyAudience); Atlassian documents \(UserAssertion.audience)")
        case let other:
            return .fail(.audience, .wrongAudience,
                         "aud \(other.map { Sanitized.quote($0) } ?? "is unreadable and") is not \(UserAssertion.audience)")
        }
    }

    /// `exp - iat` within what the receiver accepts (the authorization server: 60 s).
    static func lifetimeCheck(_ times: ConnectTokenVerifier.Times, maximum: Int64) -> VerificationCheck? {
        guard let exp = times.exp, let iat = times.iat else { return nil }
        let lifetime = exp - iat
        if lifetime > maximum {
            return .fail(.lifetime, .lifetimeTooLong, "exp is \(lifetime) s after iat; at most \(maximum) s are accepted")
        }
        if lifetime <= 0 {
            return .fail(.lifetime, .expired, "exp is not after iat, so the assertion is never valid")
        }
        return .pass(.lifetime, "lives \(lifetime) s (at most \(maximum) s)")
    }

    static func qshCheck(_ token: ConnectToken) -> VerificationCheck {
        token.claims["qsh"] == nil
            ? .pass(.qsh, "no qsh: assertions are not bound to a request")
            : .fail(.qsh, .unexpectedQSH, "assertion carries a qsh claim; drop it (assertions are not bound to a request)")
    }
}
