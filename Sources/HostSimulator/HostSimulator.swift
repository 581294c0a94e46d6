import AdminCore
import ConnectCore
import AsyncHTTPClient
import CryptoExtras
import Foundation
import NIOCore
import NIOHTTP1

/// A simulated Connect host (Jira, Confluence) that talks to an app over HTTP exactly as a
/// real one would: signed installs (RS256 with its install key), reinstalls that rotate the
/// secret, disable/enable, uninstall, and then a steady mix of requests — mostly valid, plus
/// the failures operators really meet. Deterministic for a seed (timing aside).
public final class HostSimulator: Sendable {
    public struct Configuration: Sendable {
        /// Where requests are sent (`http://127.0.0.1:8080`).
        public var target: String
        /// The app's base URL as the host knows it (descriptor `baseUrl`): `aud` of installs,
        /// and what request paths are relative to.
        public var appBaseURL: String
        public var appKey: String
        public var seed: UInt64
        public var tenants: Int
        public var duration: Duration
        public var requestsPerSecond: Int
        /// Valid tokens with their secrets and requests, for cross-checking with another
        /// implementation; `nil` to keep none.
        public var sampleFile: String?

        public init(target: String, appBaseURL: String, appKey: String = "com.example.connect-admin-demo", seed: UInt64 = 1,
                    tenants: Int = 8, duration: Duration = .seconds(10), requestsPerSecond: Int = 40, sampleFile: String? = nil) {
            self.target = target
            self.appBaseURL = appBaseURL
            self.appKey = appKey
            self.seed = seed
            self.tenants = tenants
            self.duration = duration
            self.requestsPerSecond = requestsPerSecond
            self.sampleFile = sampleFile
        }
    }

    /// What the simulator did, and what the app answered.
    public struct Summary: Sendable {
        public var installs: [LifecycleCall] = []
        public var requestsSent = 0
        public var accepted = 0
        /// Refused requests by the reason the app gave (from its 401 body).
        public var failuresByReason: [String: Int] = [:]
        /// Refused requests the app did not explain (should stay zero).
        public var unexplained = 0
    }

    public struct LifecycleCall: Sendable {
        public var clientKey: String
        public var event: InstallEvent.EventType
        public var status: Int
        public var reason: String?
        public var hijack: Bool
    }

    struct SimTenant: Sendable {
        var clientKey: String
        var baseUrl: String
        var product: String
        var secret: String
        var previousSecret: String?
        var state: TenantState
    }

    let configuration: Configuration
    let keys: InstallKeyServer
    let log: @Sendable (String) -> Void

    public init(configuration: Configuration, keys: InstallKeyServer, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.configuration = configuration
        self.keys = keys
        self.log = log
    }

    // MARK: - Running

    public func run() async throws -> Summary {
        var random = SeededRandom(seed: configuration.seed)
        var summary = Summary()
        var tenants: [SimTenant] = (0..<configuration.tenants).map { index in
            let product = index % 3 == 1 ? "confluence" : "jira"
            let site = ["acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka"][index % 8] + "-\(index)"
            return SimTenant(clientKey: random.uuid(), baseUrl: "https://\(site).atlassian.net" + (product == "confluence" ? "/wiki" : ""),
                             product: product, secret: Self.newSecret(&random), previousSecret: nil, state: .installed)
        }
        // Installs, then a rotation, a disable/enable, a hijack attempt and an uninstall.
        for tenant in tenants {
            summary.installs.append(try await lifecycle(.installed, tenant, signed: true))
        }
        if tenants.count > 1 {
            tenants[1].previousSecret = tenants[1].secret
            tenants[1].secret = Self.newSecret(&random)
            summary.installs.append(try await lifecycle(.installed, tenants[1], signed: true))
        }
        if tenants.count > 2 {
            summary.installs.append(try await lifecycle(.disabled, tenants[2], signed: false))
            summary.installs.append(try await lifecycle(.enabled, tenants[2], signed: false))
            tenants[2].state = .enabled
        }
        if !tenants.isEmpty {
            // Someone who knows a clientKey tries to reinstall it with their own secret, unsigned.
            var hijacked = tenants[0]
            hijacked.secret = "attacker-" + Self.newSecret(&random)
            hijacked.baseUrl = "https://attacker.example"
            var call = try await lifecycle(.installed, hijacked, signed: false)
            call.hijack = true
            summary.installs.append(call)
        }
        if tenants.count > 3 {
            summary.installs.append(try await lifecycle(.uninstalled, tenants[3], signed: true))
            tenants[3].state = .uninstalled
        }
        for call in summary.installs {
            log("\(call.event.rawValue) \(call.clientKey): \(call.status)\(call.reason.map { " \($0)" } ?? "")\(call.hijack ? " (hijack attempt)" : "")")
        }

        // Traffic.
        var samples: [String] = []
        let clock = ContinuousClock()
        let end = clock.now + configuration.duration
        let interval = Duration.milliseconds(max(1, 1000 / max(1, configuration.requestsPerSecond)))
        var next = clock.now
        while clock.now < end {
            let request = makeRequest(tenants, &random)
            let (status, reason) = try await send(request)
            summary.requestsSent += 1
            if (200..<300).contains(status) {
                summary.accepted += 1
                if request.scenario == .valid, samples.count < 50, let line = request.sample { samples.append(line) }
            } else if let reason {
                summary.failuresByReason[reason, default: 0] += 1
            } else {
                summary.unexplained += 1
            }
            next += interval
            if next > clock.now { try await Task.sleep(until: next) }
        }
        if let file = configuration.sampleFile {
            try Data((samples.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        }
        return summary
    }

    static func newSecret(_ random: inout SeededRandom) -> String {
        // Connect secrets are long random strings; 44 characters here.
        Base64URL.encode((0..<33).map { _ in UInt8.random(in: 0...255, using: &random) })
    }

    // MARK: - Lifecycle

    /// A stable oauthClientId per tenant, so the demo can sign act-as-user assertions.
    static func oauthClientId(_ clientKey: String) -> String { "demo-" + ConnectToken.fingerprint(of: "oauth:" + clientKey) }

    func payload(_ tenant: SimTenant, _ event: InstallEvent.EventType) -> [UInt8] {
        var object = JSONObject([
            "key": .string(configuration.appKey), "clientKey": .string(tenant.clientKey), "baseUrl": .string(tenant.baseUrl),
            "displayUrl": .string(tenant.baseUrl), "productType": .string(tenant.product),
            "description": .string("Atlassian \(tenant.product == "jira" ? "JIRA" : "Confluence") at \(tenant.baseUrl)"),
            "serverVersion": .string("100213"), "pluginsVersion": .string("1001.0.0-SNAPSHOT"), "eventType": .string(event.rawValue),
            "cloudId": .string(String(tenant.clientKey.reversed())), "oauthClientId": .string(Self.oauthClientId(tenant.clientKey)), "installationId": .string("ari:cloud:ecosystem::installation/\(tenant.clientKey)"),
        ])
        if event == .installed { object["sharedSecret"] = .string(tenant.secret) }
        return Array(JSONValue.object(object).jsonText().utf8)
    }

    func lifecycle(_ event: InstallEvent.EventType, _ tenant: SimTenant, signed: Bool) async throws -> LifecycleCall {
        let path = "/\(event.rawValue)"
        let request = CanonicalRequest(method: "POST", url: path)
        let now = UnixTime.now()
        var token: String?
        if signed {
            var claims = ConnectClaims(issuer: tenant.clientKey, issuedAt: now, request: request).object
            claims["aud"] = .array([.string(configuration.appBaseURL)])
            token = try ConnectTokenSigner.rs256(claims: claims, privateKey: keys.privateKey, kid: keys.kid)
        } else if event == .enabled || event == .disabled {
            token = ConnectTokenSigner.hs256(claims: ConnectClaims(issuer: tenant.clientKey, issuedAt: now, request: request).object,
                                             secret: SharedSecret(tenant.secret))
        }
        let (status, reason) = try await send(method: .POST, path: path, token: token, body: payload(tenant, event))
        return LifecycleCall(clientKey: tenant.clientKey, event: event, status: status, reason: reason, hijack: false)
    }

    // MARK: - Traffic

    enum Scenario: String, CaseIterable {
        case valid, expired, proxyRewrite, staleSecret, noToken, forged, algNone, uninstalled
    }

    struct Request {
        var scenario: Scenario
        var method: HTTPMethod
        var path: String
        var token: String?
        var body: [UInt8]?
        /// `secret<TAB>method<TAB>url<TAB>token` for the cross-check.
        var sample: String?
    }

    func makeRequest(_ tenants: [SimTenant], _ random: inout SeededRandom) -> Request {
        let live = tenants.filter { $0.state != .uninstalled }
        let scenario = random.weighted([
            (Scenario.valid, 70), (.expired, 6), (.proxyRewrite, 5), (.staleSecret, tenants.contains { $0.previousSecret != nil } ? 5 : 0),
            (.noToken, 4), (.forged, 4), (.algNone, 2), (.uninstalled, tenants.contains { $0.state == .uninstalled } ? 4 : 0),
        ])
        let tenant = live.isEmpty ? tenants[0] : live[Int.random(in: 0..<live.count, using: &random)]
        let pages = ["/pages/hello?lic=active&xdm_e=\(tenant.baseUrl)&cp=%2Fbrowse", "/pages/hello", "/pages/hello?projectKey=ABC&issueKey=ABC-\(Int.random(in: 1...999, using: &random))"]
        let path = pages[Int.random(in: 0..<pages.count, using: &random)]
        let now = UnixTime.now()
        func token(_ tenant: SimTenant, secret: String? = nil, issuedAt: Int64 = now, signedPath: String = path, method: String = "GET") -> String {
            ConnectTokenSigner.hs256(claims: ConnectClaims(issuer: tenant.clientKey, subject: "557058:\(tenant.clientKey.prefix(8))", issuedAt: issuedAt,
                                                           request: CanonicalRequest(method: method, url: signedPath)).object,
                                     secret: SharedSecret(secret ?? tenant.secret))
        }
        switch scenario {
        case .valid:
            if Int.random(in: 0..<4, using: &random) == 0 {
                let hook = "/webhooks/jira:issue_updated"
                let signed = token(tenant, signedPath: hook, method: "POST")
                return Request(scenario: .valid, method: .POST, path: hook, token: signed, body: Array("{\"issue\":{}}".utf8),
                               sample: "\(tenant.secret)\tPOST\t\(hook)\t\(signed)")
            }
            let signed = token(tenant)
            return Request(scenario: .valid, method: .GET, path: path, token: signed, sample: "\(tenant.secret)\tGET\t\(path)\t\(signed)")
        case .expired:
            // A host whose clock runs 10 minutes behind.
            return Request(scenario: .expired, method: .GET, path: path, token: token(tenant, issuedAt: now - 600))
        case .proxyRewrite:
            // A proxy re-encodes the path on the way: the host signed `:`, the app receives `%3A`.
            return Request(scenario: .proxyRewrite, method: .POST, path: "/webhooks/jira%3Aissue_updated",
                           token: token(tenant, signedPath: "/webhooks/jira:issue_updated", method: "POST"), body: Array("{}".utf8))
        case .staleSecret:
            let rotated = tenants.first { $0.previousSecret != nil } ?? tenant
            return Request(scenario: .staleSecret, method: .GET, path: path, token: token(rotated, secret: rotated.previousSecret))
        case .noToken:
            return Request(scenario: .noToken, method: .GET, path: path, token: nil)
        case .forged:
            let junk = Base64URL.encode((0..<24).map { _ in UInt8.random(in: 0...255, using: &random) })
            return Request(scenario: .forged, method: .GET, path: path, token: "eyJhbGciOiJIUzI1NiJ9.\(junk).\(junk)")
        case .algNone:
            let header = Base64URL.encode(Array(#"{"alg":"none","typ":"JWT"}"#.utf8))
            let claims = Base64URL.encode(Array(JSONValue.object(ConnectClaims(issuer: tenant.clientKey, issuedAt: now, request: nil).object).jsonText().utf8))
            return Request(scenario: .algNone, method: .GET, path: path, token: "\(header).\(claims).")
        case .uninstalled:
            let gone = tenants.first { $0.state == .uninstalled } ?? tenant
            return Request(scenario: .uninstalled, method: .GET, path: path, token: token(gone))
        }
    }

    // MARK: - HTTP

    func send(_ request: Request) async throws -> (Int, String?) {
        try await send(method: request.method, path: request.path, token: request.token, body: request.body)
    }

    /// Sends to the app; returns the status and, for refusals, the reason from the body.
    func send(method: HTTPMethod, path: String, token: String?, body: [UInt8]?) async throws -> (Int, String?) {
        var request = HTTPClientRequest(url: configuration.target + RequestTarget(configuration.appBaseURL).path + path)
        request.method = method
        request.headers.add(name: "User-Agent", value: "ConnectAdmin host simulator")
        if let token { request.headers.add(name: "Authorization", value: "JWT \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let status = Int(response.status.code)
        guard status >= 400 else { return (status, nil) }
        let reason = (try? StrictJSONParser().parse(Array(buffer: bytes)))?["reason"]?.stringValue
        return (status, reason)
    }
}
