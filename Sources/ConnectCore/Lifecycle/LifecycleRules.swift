import Foundation

/// Who may install, reinstall, enable, disable and uninstall — the rules atlassian-connect-
/// express applies, plus the record of every decision.
///
/// - `installed`/`uninstalled`: a signed install (RS256 by the host's install key, `aud` one of
///   the app's base URLs, `iss` = the payload's clientKey, qsh of the request). In legacy mode
///   (opt-in, e.g. Bitbucket) the first install may be unsigned and every later one must be
///   HS256-signed with the *stored* secret.
/// - `enabled`/`disabled`: HS256 with the stored secret of a known tenant.
///
/// A callback that fails authentication is rejected and never changes the stored tenant.
public struct LifecycleRules: Sendable {
    public var appBaseURLs: [String]
    public var legacyInstall: Bool
    public var verifier: ConnectTokenVerifier
    public var node: String

    public init(appBaseURLs: [String], legacyInstall: Bool = false, verifier: ConnectTokenVerifier = ConnectTokenVerifier(), node: String) {
        self.appBaseURLs = appBaseURLs
        self.legacyInstall = legacyInstall
        self.verifier = verifier
        self.node = node
    }

    /// One callback as it arrived.
    public struct Callback: Sendable {
        public var eventType: InstallEvent.EventType
        public var body: [UInt8]
        /// The body was larger than `LifecyclePayload.maxBytes` and was not read.
        public var bodyTooLarge: Bool
        /// From `Authorization: JWT …` (or `?jwt=`); `nil` when absent.
        public var token: String?
        public var request: CanonicalRequest
        public var remoteAddress: String?
        public var now: Date

        public init(eventType: InstallEvent.EventType, body: [UInt8], bodyTooLarge: Bool = false, token: String?,
                    request: CanonicalRequest, remoteAddress: String?, now: Date) {
            self.eventType = eventType
            self.body = body
            self.bodyTooLarge = bodyTooLarge
            self.token = token
            self.request = request
            self.remoteAddress = remoteAddress
            self.now = now
        }
    }

    /// Decides a callback. `existing` is the stored tenant for the payload's clientKey (its
    /// error, a store's, passes through unchanged); `installKey` fetches (or serves from
    /// cache) the host's public key for a kid.
    public func decide<LookupError: Error>(_ callback: Callback, existing: (String) async throws(LookupError) -> Tenant?,
                                           installKey: @Sendable (String) async -> KeyLookup) async throws(LookupError) -> LifecycleVerdict {
        if callback.bodyTooLarge {
            return reject(callback, clientKey: "(unknown)", baseUrl: nil, existing: nil, auth: "none",
                          LifecyclePayload.invalid("payload is larger than \(LifecyclePayload.maxBytes) bytes"), as: .invalidPayload)
        }
        let payload: LifecyclePayload
        do {
            payload = try LifecyclePayload.parse(callback.body, expected: callback.eventType)
        } catch {
            let key = LifecycleRules.clientKeyHint(callback.body)
            return reject(callback, clientKey: key, baseUrl: nil, existing: nil, auth: "none", error, as: .invalidPayload)
        }
        let stored = try await existing(payload.clientKey)

        // Which key authenticates this callback: the host's install key (found by the token's
        // kid, below) or an HS256 secret known now.
        var auth: String
        let expectation: TokenExpectation
        var secretLookup: KeyLookup?
        let needsInstallKey = (callback.eventType == .installed || callback.eventType == .uninstalled) && !legacyInstall
        if needsInstallKey {
            guard callback.token != nil else {
                let reason: ReasonCode = stored != nil && callback.eventType == .installed ? .unsignedReinstall : .missingToken
                return reject(callback, payload: payload, existing: stored, auth: "none",
                              ConnectAuthError(reason, "\(callback.eventType.rawValue) callbacks must carry a JWT signed with the host's install key"), as: .unauthenticated)
            }
            auth = "rs256:none"
            expectation = TokenExpectation(algorithm: .rs256, request: callback.request, audience: .appBaseURL(appBaseURLs), issuer: payload.clientKey)
        } else if let stored {
            guard callback.token != nil else {
                let reason: ReasonCode = callback.eventType == .installed ? .unsignedReinstall : .missingToken
                return reject(callback, payload: payload, existing: stored, auth: "none",
                              ConnectAuthError(reason, "\(payload.clientKey) is already known: this callback must be signed with its stored secret"), as: .unauthenticated)
            }
            auth = "hs256:stored-secret"
            expectation = TokenExpectation(request: callback.request, audience: .tenant(payload.clientKey), issuer: payload.clientKey)
            do {
                secretLookup = .found(.sharedSecret(try stored.sharedSecret), source: "stored secret \(stored.secretFingerprint)")
            } catch {
                secretLookup = .unavailable(.secretUnavailable, error.message)
            }
        } else if callback.eventType == .installed {
            // Legacy first install: unsigned is allowed; a token, when sent, must match the new secret.
            if callback.token == nil {
                return accept(callback, payload: payload, existing: nil, auth: "unsigned-first-install", report: nil)
            }
            auth = "hs256:payload-secret"
            expectation = TokenExpectation(request: callback.request, audience: .tenant(payload.clientKey), issuer: payload.clientKey)
            secretLookup = .found(.sharedSecret(payload.sharedSecret ?? SharedSecret("")), source: "the payload's new secret")
        } else {
            return reject(callback, payload: payload, existing: nil, auth: "none",
                          ConnectAuthError(.unknownIssuer, "no tenant \(Sanitized.quote(payload.clientKey)) is installed"), as: .unauthenticated)
        }

        let token = callback.token ?? ""
        let now = Int64(callback.now.timeIntervalSince1970)
        let decoded: ConnectToken
        do {
            decoded = try ConnectToken.decode(token, limits: verifier.limits)
        } catch {
            return reject(callback, payload: payload, existing: stored, auth: auth,
                          report: verifier.undecodable(token, error, expecting: expectation, now: now))
        }
        let key: KeyLookup
        if let secretLookup {
            key = secretLookup
        } else if let kid = decoded.keyID {
            // The verifier reports a malformed kid; only a well-formed one is ever fetched.
            auth = "rs256:" + (KeyID.isValid(kid) ? kid : "invalid")
            key = KeyID.isValid(kid) ? await installKey(kid) : .unavailable(.invalidKid, "kid is not a key id")
        } else {
            key = .unavailable(.missingKid, "signed callbacks must name their install key in kid")
        }
        let report = verifier.verify(decoded, expecting: expectation, now: now, key: key)
        guard report.valid else { return reject(callback, payload: payload, existing: stored, auth: auth, report: report) }
        return accept(callback, payload: payload, existing: stored, auth: auth, report: report,
                          bySecret: secretLookup != nil ? stored?.secretFingerprint : nil)
    }

    // MARK: - Decisions

    /// `bySecret`: the fingerprint of the stored secret that authenticated the callback, if one did.
    private func accept(_ callback: Callback, payload: LifecyclePayload, existing: Tenant?, auth: String,
                        report: VerificationReport?, bySecret: String? = nil) -> LifecycleVerdict {
        guard payload.eventType == .installed else {
            return acceptStateChange(callback, payload: payload, existing: existing, auth: auth, report: report)
        }
        guard let secret = payload.sharedSecret else {
            return reject(callback, payload: payload, existing: existing, auth: auth,
                          ConnectAuthError(.unknownIssuer, "no stored secret for \(Sanitized.quote(payload.clientKey))"), as: .unauthenticated)
        }
        if secret.byteCount < 32 {
            return reject(callback, payload: payload, existing: existing, auth: auth,
                          ConnectAuthError(.insecureSecret, "sharedSecret is \(secret.byteCount) bytes; at least 32 are required"), as: .invalidPayload)
        }
        let tenant = payload.tenant(secret: secret, installedAt: existing?.installedAt ?? callback.now, now: callback.now)
        let event = InstallEvent(
            at: callback.now, node: node, clientKey: payload.clientKey, eventType: payload.eventType, outcome: .accepted,
            auth: auth, fingerprintBefore: existing?.secretFingerprint, fingerprintAfter: secret.fingerprint,
            baseUrl: payload.baseUrl, remoteAddress: callback.remoteAddress,
            detail: existing.map { $0.secretFingerprint == secret.fingerprint ? "" : "secret rotated" } ?? "first install")
        // Signed by the host's install key, an install does not depend on the stored row; one
        // authenticated by the stored secret (legacy mode) or made on "no tenant yet" does.
        let basis: InstallDecision.Basis = existing == nil ? .absent : bySecret.map { .secret(fingerprint: $0) } ?? .unconditional
        let rotated = existing.map { $0.secretFingerprint != secret.fingerprint } ?? false
        return LifecycleVerdict(.accepted(rotated ? .rotated : .stored), InstallDecision(event: event, tenant: tenant, basis: basis), report: report)
    }

    /// `enabled`, `disabled` and `uninstalled` change the state of a stored tenant and nothing
    /// else: only `installed` (signed by the host) may set its fields or its secret. A payload
    /// that disagrees with the stored tenant is recorded in the event's detail, not applied.
    private func acceptStateChange(_ callback: Callback, payload: LifecyclePayload, existing: Tenant?, auth: String,
                                   report: VerificationReport?) -> LifecycleVerdict {
        guard let existing else {
            return reject(callback, payload: payload, existing: nil, auth: auth,
                          ConnectAuthError(.unknownIssuer, "no tenant \(Sanitized.quote(payload.clientKey)) is installed"), as: .unauthenticated)
        }
        var tenant = existing
        if tenant.state == .uninstalled && payload.eventType != .uninstalled {
            return reject(callback, payload: payload, existing: tenant, auth: auth,
                          ConnectAuthError(.tenantUninstalled, "\(payload.eventType.rawValue) needs an installed tenant: \(Sanitized.quote(payload.clientKey)) was uninstalled and must be installed again"),
                          as: .unauthenticated)
        }
        tenant.state = switch payload.eventType {
        case .enabled: .enabled
        case .disabled: .disabled
        default: .uninstalled
        }
        tenant.updatedAt = callback.now
        let differences = Self.differences(payload, from: tenant)
        let event = InstallEvent(
            at: callback.now, node: node, clientKey: tenant.clientKey, eventType: payload.eventType, outcome: .accepted,
            auth: auth, fingerprintBefore: tenant.secretFingerprint, fingerprintAfter: tenant.secretFingerprint,
            baseUrl: tenant.baseUrl, remoteAddress: callback.remoteAddress,
            detail: differences.isEmpty ? "" : String("payload differs from the stored tenant (not applied): \(differences.joined(separator: "; "))".prefix(1000)))
        let basis = InstallDecision.Basis.secretAndState(fingerprint: existing.secretFingerprint, state: existing.state)
        return LifecycleVerdict(.accepted(.stateChanged), InstallDecision(event: event, tenant: tenant, basis: basis), report: report)
    }

    /// The payload fields that differ from the stored tenant, as `field "stored" -> "sent"`;
    /// a differing secret by fingerprint only.
    static func differences(_ payload: LifecyclePayload, from tenant: Tenant) -> [String] {
        let pairs: [(String, String?, String?)] = [
            ("key", tenant.addonKey, payload.key), ("baseUrl", tenant.baseUrl, payload.baseUrl),
            ("displayUrl", tenant.displayUrl, payload.displayUrl), ("productType", tenant.productType, payload.productType),
            ("description", tenant.description, payload.description), ("serverVersion", tenant.serverVersion, payload.serverVersion),
            ("pluginsVersion", tenant.pluginsVersion, payload.pluginsVersion),
            ("serviceEntitlementNumber", tenant.serviceEntitlementNumber, payload.serviceEntitlementNumber),
            ("oauthClientId", tenant.oauthClientId, payload.oauthClientId), ("cloudId", tenant.cloudId, payload.cloudId),
            ("installationId", tenant.installationId, payload.installationId),
        ]
        var out: [String] = []
        for (name, stored, sent) in pairs where sent != nil && !BytewiseKey.same(stored, sent) {
            out.append("\(name) \(Sanitized.quote(String((stored ?? "").prefix(120)))) -> \(Sanitized.quote(String((sent ?? "").prefix(120))))")
        }
        if let secret = payload.sharedSecret, secret.fingerprint != tenant.secretFingerprint {
            out.append("sharedSecret \(tenant.secretFingerprint) -> \(secret.fingerprint)")
        }
        return out
    }

    private func reject(_ callback: Callback, payload: LifecyclePayload, existing: Tenant?, auth: String,
                        report: VerificationReport) -> LifecycleVerdict {
        var verdict = reject(callback, payload: payload, existing: existing, auth: auth,
                             report.firstFailure ?? ConnectAuthError(.badSignature, "not verified"), as: .unauthenticated)
        verdict.report = report
        return verdict
    }

    private func reject(_ callback: Callback, payload: LifecyclePayload, existing: Tenant?, auth: String,
                        _ error: ConnectAuthError, as refusal: LifecycleVerdict.Refusal) -> LifecycleVerdict {
        reject(callback, clientKey: payload.clientKey, baseUrl: payload.baseUrl, existing: existing, auth: auth, error, as: refusal)
    }

    private func reject(_ callback: Callback, clientKey: String, baseUrl: String?, existing: Tenant?, auth: String,
                        _ error: ConnectAuthError, as refusal: LifecycleVerdict.Refusal) -> LifecycleVerdict {
        let event = InstallEvent(
            at: callback.now, node: node, clientKey: clientKey, eventType: callback.eventType, outcome: .rejected,
            reason: error.reason, auth: auth, fingerprintBefore: existing?.secretFingerprint, fingerprintAfter: nil,
            baseUrl: baseUrl, remoteAddress: callback.remoteAddress, detail: error.detail)
        return LifecycleVerdict(.refused(refusal, error), InstallDecision(event: event, tenant: nil), report: nil)
    }

    /// The clientKey of a payload too broken to validate, so its rejection is still filed
    /// under the tenant it claimed to be; `(unknown)` otherwise.
    static func clientKeyHint(_ body: [UInt8]) -> String {
        guard body.count <= LifecyclePayload.maxBytes, let json = try? StrictJSONParser(maxDepth: 16).parse(body),
              let key = json["clientKey"]?.stringValue, !key.isEmpty, key.utf8.count <= 256 else { return "(unknown)" }
        return key
    }
}
