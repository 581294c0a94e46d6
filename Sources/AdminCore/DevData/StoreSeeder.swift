import Foundation
import ConnectCore

/// Realistic, varied store contents for development and benchmarks: Jira and Confluence
/// sites, reinstalls that rotate secrets, rejected hijack attempts, and failures of every
/// reason code with a busy last hour. Deterministic for a given seed.
public struct StoreSeeder: Sendable {
    public var tenants: Int
    public var failures: Int
    public var events: Int
    public var seed: UInt64
    public var now: Date
    public var node = "seed"

    public init(tenants: Int, failures: Int, events: Int, seed: UInt64 = 1, now: Date = Date()) {
        self.tenants = tenants
        self.failures = failures
        self.events = max(events, tenants)
        self.seed = seed
        self.now = now
    }

    /// The addon key of every tenant the seeder writes: how `dev seed` tells its own tenants
    /// from real ones, and refuses a store that holds any real one.
    public static let addonKey = "com.example.connect-admin-dev-seed"

    static let words = ["acme", "globex", "initech", "umbrella", "stark", "wayne", "hooli", "piedpiper", "vandelay", "wonka",
                        "cyberdyne", "tyrell", "soylent", "oscorp", "aperture", "blackmesa", "gringotts", "monsters", "dunder", "prestige"]
    static let paths = ["/pages/hello", "/api/echo", "/webhooks/jira:issue_created", "/webhooks/page_updated", "/rest/panel",
                        "/macro/render?pageId=123", "/pages/admin?project=ABC", "/api/search?q=status%3Dopen"]

    /// Writes everything through the store's bulk path (`COPY` on PostgreSQL), reporting a
    /// progress line through `progress` about once a second and at the end of each part.
    public func run(into store: ConnectStore, progress: @escaping @Sendable (String) -> Void = { _ in }) async throws(StoreError) {
        var random = SeededRandom(seed: seed)
        let chunk = 5000
        var clientKeys: [String] = []
        clientKeys.reserveCapacity(tenants)
        var eventsLeft = events
        var meter = ProgressMeter(what: "tenants", total: tenants, report: progress)
        var writing = OneWriteAhead()
        var start = 0
        while start < tenants {
            let end = min(tenants, start + chunk)
            var tenantRows: [Tenant] = []
            var secretRows: [SecretHistoryEntry] = []
            var eventRows: [InstallEvent] = []
            for index in start..<end {
                let tenantsLeft = tenants - index
                // Spread the event budget: every tenant has its install, the rest at random.
                let extra = tenantsLeft == 1 ? eventsLeft - 1 : min(eventsLeft - tenantsLeft, Int.random(in: 0...(2 * max(0, (eventsLeft - tenantsLeft) / tenantsLeft)), using: &random))
                let generated = makeTenant(index: index, eventCount: 1 + max(0, extra), random: &random)
                eventsLeft -= generated.events.count
                clientKeys.append(generated.tenant.clientKey)
                tenantRows.append(generated.tenant)
                secretRows += generated.secrets
                eventRows += generated.events
            }
            let (newTenants, newSecrets, newEvents) = (tenantRows, secretRows, eventRows.sorted { $0.at < $1.at })
            try await writing.next { () async throws(StoreError) in
                try await store.importRows(tenants: newTenants, secrets: newSecrets, events: newEvents)
            }
            start = end
            meter.advance(to: end)
        }
        try await writing.finish()

        if failures > 0 {
            try await store.preparePartitions(from: now.addingTimeInterval(-30 * 86_400), through: now)
        }
        meter = ProgressMeter(what: "failures", total: failures, report: progress)
        var written = 0
        while written < failures {
            let count = min(20_000, failures - written)
            let batch = (written..<(written + count)).map { makeFailure(index: $0, clientKeys: clientKeys, random: &random) }
            try await writing.next { () async throws(StoreError) in try await store.importFailures(batch) }
            written += count
            meter.advance(to: written)
        }
        try await writing.finish()
    }

    /// The store writes one batch while the next is generated, so the two overlap (it gained
    /// 5–15 %: the writer is most of the time); batches still land one after another, in order.
    struct OneWriteAhead {
        private var pending: Task<Void, any Error>?

        mutating func next(_ write: @escaping @Sendable () async throws(StoreError) -> Void) async throws(StoreError) {
            try await finish()
            pending = Task { try await write() }
        }

        mutating func finish() async throws(StoreError) {
            guard let pending else { return }
            self.pending = nil
            do {
                try await pending.value
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError(.failed, "writing generated rows failed: \(error)")
            }
        }
    }

    /// "failures 2 000 000/10 000 000 (20 %, 95 000/s)", at most once a second and once at the end.
    struct ProgressMeter {
        let what: String
        let total: Int
        let report: (String) -> Void
        let started = ContinuousClock.now
        var lastReport = ContinuousClock.now

        init(what: String, total: Int, report: @escaping (String) -> Void) {
            self.what = what
            self.total = total
            self.report = report
        }

        mutating func advance(to done: Int) {
            let now = ContinuousClock.now
            guard done == total || now - lastReport >= .seconds(1) else { return }
            lastReport = now
            let elapsed = now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let rate = seconds > 0 ? Int(Double(done) / seconds) : 0
            report("\(what) \(done)/\(total) (\(total == 0 ? 100 : done * 100 / total) %, \(rate)/s)")
        }
    }

    struct GeneratedTenant {
        var tenant: Tenant
        var secrets: [SecretHistoryEntry]
        var events: [InstallEvent]
    }

    func makeTenant(index: Int, eventCount: Int, random: inout SeededRandom) -> GeneratedTenant {
        let product = random.weighted([("jira", 60), ("confluence", 40)])
        let site = "\(Self.words[index % Self.words.count])-\(index)"
        let baseUrl = "https://\(site).atlassian.net" + (product == "confluence" ? "/wiki" : "")
        let clientKey = random.uuid()
        let installedAt = now.addingTimeInterval(-Double(Int.random(in: 3600...(365 * 86_400), using: &random)))
        var at = installedAt
        var secret = SharedSecret(random.uuid() + "-" + random.uuid())
        var secrets = [SecretHistoryEntry(clientKey: clientKey, secret: .open(secret), currentFrom: at, currentUntil: nil)]
        var events = [InstallEvent(at: at, node: node, clientKey: clientKey, eventType: .installed, outcome: .accepted,
                                   auth: "rs256:seed-key-1", fingerprintAfter: secret.fingerprint, baseUrl: baseUrl)]
        var state = TenantState.installed
        let span = now.timeIntervalSince(installedAt)
        for step in 1..<eventCount {
            at = installedAt.addingTimeInterval(span * Double(step) / Double(eventCount))
            let last = step == eventCount - 1
            let kind = random.weighted([("rotate", 35), ("reinstall", 10), ("disable", 10), ("enable", 10), ("hijack", 20), ("uninstall", last ? 15 : 0)])
            switch kind {
            case "rotate", "reinstall":
                let before = secret.fingerprint
                if kind == "rotate" {
                    secrets[secrets.count - 1].currentUntil = at
                    secret = SharedSecret(random.uuid() + "-" + random.uuid())
                    secrets.append(SecretHistoryEntry(clientKey: clientKey, secret: .open(secret), currentFrom: at, currentUntil: nil))
                }
                state = .installed
                events.append(InstallEvent(at: at, node: node, clientKey: clientKey, eventType: .installed, outcome: .accepted,
                                           auth: "rs256:seed-key-\(1 + step % 3)", fingerprintBefore: before,
                                           fingerprintAfter: secret.fingerprint, baseUrl: baseUrl))
            case "disable", "enable":
                state = kind == "disable" ? .disabled : .enabled
                events.append(InstallEvent(at: at, node: node, clientKey: clientKey, eventType: kind == "disable" ? .disabled : .enabled,
                                           outcome: .accepted, auth: "hs256:stored-secret", fingerprintBefore: secret.fingerprint,
                                           fingerprintAfter: secret.fingerprint, baseUrl: baseUrl))
            case "uninstall":
                state = .uninstalled
                events.append(InstallEvent(at: at, node: node, clientKey: clientKey, eventType: .uninstalled, outcome: .accepted,
                                           auth: "rs256:seed-key-1", fingerprintBefore: secret.fingerprint,
                                           fingerprintAfter: secret.fingerprint, baseUrl: baseUrl))
            default:
                let reason = random.weighted([(ReasonCode.unsignedReinstall, 4), (.badSignature, 3), (.wrongAudience, 2),
                                              (.clientKeyMismatch, 2), (.invalidKid, 1), (.installKeyUnavailable, 1)])
                events.append(InstallEvent(at: at, node: node, clientKey: clientKey, eventType: .installed, outcome: .rejected,
                                           reason: reason, auth: reason == .unsignedReinstall ? "none" : "rs256:unknown",
                                           fingerprintBefore: secret.fingerprint, baseUrl: "https://attacker-\(index % 7).example",
                                           remoteAddress: "203.0.113.\(index % 250)", detail: "seeded \(reason.rawValue) attempt"))
            }
        }
        if state == .installed && random.weighted([(true, 80), (false, 20)]) { state = .enabled }
        let tenant = Tenant(
            clientKey: clientKey, addonKey: Self.addonKey, baseUrl: baseUrl,
            displayUrl: product == "jira" ? "https://\(site).example.com" : nil, productType: product,
            description: "Atlassian \(product == "jira" ? "JIRA" : "Confluence") at \(baseUrl)",
            serverVersion: String(100_000 + index % 300), pluginsVersion: "1001.0.0-SNAPSHOT",
            serviceEntitlementNumber: String(1_000_000 + index), oauthClientId: random.uuid(), cloudId: random.uuid(),
            installationId: "ari:cloud:ecosystem::installation/\(random.uuid())", secret: .open(secret), state: state,
            installedAt: installedAt, updatedAt: at)
        return GeneratedTenant(tenant: tenant, secrets: secrets, events: events)
    }

    func makeFailure(index: Int, clientKeys: [String], random: inout SeededRandom) -> AuthFailure {
        // 70 % spread over the last 30 days, 30 % in the last hour, in id order.
        let busyStart = failures * 7 / 10
        let at: Date
        if index < busyStart {
            at = now.addingTimeInterval(-30 * 86_400 + (30 * 86_400 - 3600) * Double(index) / Double(max(1, busyStart)))
        } else {
            at = now.addingTimeInterval(-3600 + 3600 * Double(index - busyStart) / Double(max(1, failures - busyStart)))
        }
        let reason = random.weighted(Self.failureReasons)
        let anonymous = [.missingToken, .malformedToken, .tokenTooLarge].contains(reason)
        let clientKey = anonymous || clientKeys.isEmpty ? nil : clientKeys[Int.random(in: 0..<clientKeys.count, using: &random)]
        let path = Self.paths[Int.random(in: 0..<Self.paths.count, using: &random)]
        let iat = Int64(at.timeIntervalSince1970) - Int64.random(in: 0...600, using: &random)
        return AuthFailure(
            at: at, node: "node-\(1 + index % 3)", clientKey: clientKey, reason: reason, detail: Self.detail(reason, &random),
            method: path.hasPrefix("/api") || path.hasPrefix("/webhooks") ? "POST" : "GET", path: path,
            remoteAddress: "198.51.100.\(index % 250)", userAgent: "Atlassian HttpClient 4.2.1",
            tokenFingerprint: anonymous ? nil : Hex.encode((0..<8).map { _ in UInt8.random(in: 0...255, using: &random) }),
            alg: anonymous ? nil : "HS256", exp: anonymous ? nil : iat + 180, iat: anonymous ? nil : iat,
            count: random.weighted([(1, 95), (Int.random(in: 2...40, using: &random), 5)]))
    }

    /// How often each reason appears: expired tokens and qsh mismatches dominate, as in production.
    static let failureReasons = ReasonCode.allCases.map { code -> (ReasonCode, Int) in
        switch code {
        case .expired: return (code, 30)
        case .qshMismatch: return (code, 20)
        case .badSignature: return (code, 12)
        case .missingToken, .malformedToken, .unknownIssuer: return (code, 6)
        default: return (code, 1)
        }
    }

    static func detail(_ reason: ReasonCode, _ random: inout SeededRandom) -> String {
        switch reason {
        case .expired: return "token expired \(Int.random(in: 61...900, using: &random)) s ago (leeway 60 s)"
        case .qshMismatch: return "qsh mismatch: token was signed for another request"
        case .badSignature: return "HS256 signature does not match the tenant's secret"
        case .missingToken: return "no JWT in the Authorization header or the jwt parameter"
        default: return "seeded \(reason.rawValue)"
        }
    }
}
