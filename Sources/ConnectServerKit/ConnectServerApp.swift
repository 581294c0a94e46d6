import AdminCore
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import HTTPTypes
import ServiceLifecycle

/// connect-server's HTTP side: Hummingbird routes over AdminCore's lifecycle rules, verifier
/// and store. Build it with `makeApplication`, run it with `runService()` (or `run()`).
public struct ConnectServerApp: Sendable {
    public let configuration: ServerConfiguration
    public let store: ConnectStore
    public let recorder: FailureRecorder
    /// Rejected lifecycle callbacks, folded like failures.
    public let rejections: RejectionRecorder
    public let health: StoreHealth
    public let directory: TenantDirectory
    public let installKeys: InstallKeyService
    public let hooks: ConnectServerHooks
    public let metrics = ServerMetrics()
    let authenticator: RequestAuthenticator
    let rules: LifecycleRules
    let descriptor: String
    let logger: Logger

    /// `appStore`: behind the sidecar, the app's own store (`--tenants-from`), read for tenants
    /// ours has not seen installed.
    public init(configuration: ServerConfiguration, store: ConnectStore, appStore: (any StoreReader)? = nil,
                hooks: ConnectServerHooks = ConnectServerHooks(), logger: Logger = Logger(label: "connect-server")) throws {
        self.configuration = configuration
        self.store = store
        self.hooks = hooks
        self.logger = logger
        self.recorder = FailureRecorder(store: store, capacity: configuration.failureQueueCapacity, window: configuration.foldWindow,
                                        maxKeys: configuration.foldKinds, logger: logger)
        self.rejections = RejectionRecorder(store: store, window: configuration.foldWindow, maxKeys: configuration.foldKinds, logger: logger)
        self.health = StoreHealth(logger: logger, metrics: metrics)
        self.directory = TenantDirectory(store: store, fallback: appStore)
        self.installKeys = InstallKeyService(baseURL: configuration.installKeysURL,
                                             maxFetchesPerMinute: configuration.installKeyFetchesPerMinute, logger: logger, metrics: metrics)
        let verifier = ConnectTokenVerifier(leeway: configuration.leeway, minimumSecretBytes: 32)
        self.rules = LifecycleRules(appBaseURLs: configuration.baseURLs, legacyInstall: configuration.legacyInstall,
                                    verifier: verifier, node: configuration.node)
        self.authenticator = RequestAuthenticator(verifier: verifier, directory: directory, recorder: recorder, health: health,
                                                  basePath: RequestTarget(configuration.baseURLs.first ?? "").path, node: configuration.node,
                                                  trustedProxies: configuration.trustedProxies, metrics: metrics, logger: logger)
        self.descriptor = try Descriptor.json(configuration: configuration)
    }

    /// The Hummingbird application. `onServerRunning` receives the bound port (useful with port 0).
    /// With `configuration.upstream` set, the sidecar in front of that app; else the example app.
    public func makeApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> any ApplicationProtocol {
        let idle = TimeAmount(configuration.idleTimeout), head = TimeAmount(configuration.requestHeadTimeout)
        let server = HTTPServerBuilder { responder in GuardedHTTP1Channel(responder: responder, idleTimeout: idle, headTimeout: head) }
        // Behind the sidecar the app's own Server field goes back unchanged.
        let serverConfiguration = ApplicationConfiguration(
            address: .hostname(configuration.bind, port: configuration.port), serverName: configuration.upstream == nil ? "connect-server" : nil,
            availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections))
        let running: @Sendable (any Channel) async -> Void = { channel in await onServerRunning(channel.localAddress?.port ?? 0) }
        if let upstream = configuration.upstream {
            let sidecar = SidecarResponder(app: self, upstream: upstream)
            let observed = RequestObserver(base: sidecar, logger: logger, accessLog: configuration.accessLog, metrics: metrics) { request in
                sidecar.routeLabel(request)
            }
            return Application(responder: observed, server: server, configuration: serverConfiguration,
                               services: [BackgroundWork(app: self), sidecar.descriptorWatch], onServerRunning: running, logger: logger)
        }
        let router = Router(context: ConnectRequestContext.self)
        addRoutes(to: router)
        let basePath = configuration.basePath
        let observed = RequestObserver(base: router.buildResponder(), logger: logger, accessLog: configuration.accessLog, metrics: metrics) { request in
            Self.routeLabel(request.uri.path, basePath: basePath)
        }
        return Application(responder: observed, server: server, configuration: serverConfiguration, services: [BackgroundWork(app: self)],
                           onServerRunning: running, logger: logger)
    }

    /// The example app's routes, as `/metrics` labels them.
    static let routes: Set<String> = ["/atlassian-connect.json", "/installed", "/uninstalled", "/enabled", "/disabled", "/pages/hello",
                                      "/api/echo", "/public/echo"]

    static func routeLabel(_ path: String, basePath: String) -> String {
        if ["/healthz", "/readyz", "/metrics"].contains(path) { return path }
        guard path.hasPrefix(basePath) else { return "other" }
        let relative = String(path.dropFirst(basePath.count))
        if routes.contains(relative) { return relative }
        return relative.hasPrefix("/webhooks/") ? "/webhooks/:event" : "other"
    }

    /// `--metrics-port`: `/metrics` alone on its own port (on the bind address).
    public func makeMetricsApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        router.get("/metrics") { _, _ in self.metricsResponse() }
        return Application(router: router, configuration: .init(address: .hostname(configuration.bind, port: configuration.metricsPort ?? 0),
                                                                 serverName: "connect-server"),
                           onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) }, logger: logger)
    }

    /// `GET /metrics`: Prometheus text, the failure recorder's counters read as it is scraped.
    func metricsResponse() -> Response {
        metrics.recorder(recorder.stats, pending: recorder.pending)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: metrics.exposition())))
    }

    func addRoutes(to router: Router<ConnectRequestContext>) {
        // Liveness: the process serves HTTP. Never depends on the store.
        router.get("/healthz") { _, _ in "ok" }
        if configuration.metricsPort == nil {
            router.get("/metrics") { _, _ in self.metricsResponse() }
        }
        // Readiness: the store answers now.
        router.get("/readyz") { _, _ -> Response in
            do {
                try await self.health.observe { () throws(StoreError) in try await self.store.ping() }
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready")))
            } catch {
                return Self.storeUnavailable()
            }
        }
        let base = configuration.basePath
        let app = router.group(RouterPath(base.isEmpty ? "/" : base))
        app.get("atlassian-connect.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: self.descriptor)))
        }
        for event in InstallEvent.EventType.allCases {
            app.post(RouterPath(stringLiteral: event.rawValue)) { request, context in
                try await self.lifecycle(event, request, context)
            }
        }
        app.get("pages/hello") { request, context in
            try await self.helloPage(request, context)
        }
        app.post("api/echo") { request, context in
            try await self.echo(request, context)
        }
        // The same handler without authentication: for public endpoints, and the baseline the
        // server benchmark compares the authenticated route with.
        app.post("public/echo") { request, _ in
            try await Self.echoResponse(clientKey: nil, request)
        }
        app.post("webhooks/:event") { request, context in
            switch await self.authenticator.authenticate(request, context: context, allowsContextQSH: false) {
            case .refused(let error): return Self.unauthorized(error)
            case .storeUnavailable: return Self.storeUnavailable()
            case .authenticated: return Response(status: .noContent)
            }
        }
    }

    // MARK: - Lifecycle

    /// A lifecycle request as the rules see it: its body read up to the payload limit.
    func callback(_ event: InstallEvent.EventType, _ request: Request, _ context: ConnectRequestContext) async -> LifecycleRules.Callback {
        var request = request
        var body: [UInt8] = []
        var tooLarge = false
        do {
            body = Array(buffer: try await request.collectBody(upTo: LifecyclePayload.maxBytes))
        } catch {
            // Oversized: decided (and recorded) as an invalid payload without reading it all.
            tooLarge = true
        }
        return LifecycleRules.Callback(
            eventType: event, body: body, bodyTooLarge: tooLarge, token: RequestAuthenticator.token(in: request),
            request: CanonicalRequest(method: request.method.rawValue, url: request.uri.string, baseURL: configuration.baseURLs.first),
            remoteAddress: authenticator.clientAddress(request, context), now: Date())
    }

    func lifecycle(_ event: InstallEvent.EventType, _ request: Request, _ context: ConnectRequestContext) async throws -> Response {
        let callback = await callback(event, request, context)
        let outcome: LifecycleRules.Outcome
        do {
            outcome = try await decideAndRecord(callback)
        } catch {
            if error.kind == .conflict {
                logger.warning("lifecycle \(event.rawValue) kept conflicting with concurrent callbacks; answered 503")
            }
            return Self.storeUnavailable()
        }
        let decided = outcome.decision.event
        metrics.lifecycle(decided)
        // Rejections are in the store (folded during floods); a log line each would not be.
        logger.log(level: outcome.accepted ? .info : .debug, "lifecycle \(event.rawValue) \(decided.outcome.rawValue)", metadata: [
            "tenant": "\(Sanitized.escape(decided.clientKey))", "reason": "\(decided.reason?.rawValue ?? "-")", "auth": "\(decided.auth)",
            "secret": "\(decided.fingerprintAfter ?? decided.fingerprintBefore ?? "-")",
        ])
        if let tenant = outcome.decision.tenant {
            directory.remember(tenant.clientKey, tenant)
            do {
                switch event {
                case .installed: try await hooks.onInstalled(tenant)
                case .uninstalled: try await hooks.onUninstalled(tenant)
                default: break
                }
            } catch {
                logger.error("lifecycle hook failed for \(Sanitized.escape(tenant.clientKey)): \(error)")
            }
        }
        if outcome.accepted { return Response(status: .noContent) }
        let reason = decided.reason?.rawValue ?? "rejected"
        return Self.jsonError(status: outcome.status == 400 ? .badRequest : .unauthorized, reason: reason)
    }

    /// Decides a callback on the stored row and records the decision, committed only if the
    /// row is still the one decided on; a concurrent change (a reinstall racing an `enabled`)
    /// makes it decide again on the new row. Rejections are folded: the first of a kind is
    /// written before the answer, identical ones within the window are counted.
    func decideAndRecord(_ callback: LifecycleRules.Callback) async throws(StoreError) -> LifecycleRules.Outcome {
        var attempt = 0
        while true {
            attempt += 1
            let outcome = try await health.observe { () throws(StoreError) in
                try await rules.decide(callback, existing: { key throws(StoreError) in try await self.directory.fresh(clientKey: key) },
                                       installKey: { kid in await self.installKeys.key(kid: kid) })
            }
            if !outcome.accepted {
                try await recordRejection(outcome.decision.event)
                return outcome
            }
            do {
                try await health.observe { () throws(StoreError) in try await store.record(outcome.decision) }
                return outcome
            } catch where error.kind == .conflict && attempt < 8 {
                continue
            }
        }
    }

    /// Rejections are folded: the first of a kind is written before the answer, identical
    /// ones within the window are counted.
    func recordRejection(_ event: InstallEvent) async throws(StoreError) {
        guard let first = rejections.admit(event) else { return }
        do {
            try await health.observe { () throws(StoreError) in try await store.record(InstallDecision(event: first, tenant: nil)) }
            rejections.wrote(first, true)
        } catch {
            rejections.wrote(first, false)
            throw error
        }
    }

    /// 503 with `Retry-After`: the store cannot be asked now; the caller should retry.
    static func storeUnavailable() -> Response {
        var response = jsonError(status: .serviceUnavailable, reason: "store_unavailable")
        response.headers[.retryAfter] = "5"
        return response
    }

    // MARK: - Example routes

    /// A page the host shows in an iframe: qsh-checked, carries a session token for the
    /// browser (as ACE's `{{token}}`), also sent as `X-acpt`.
    func helloPage(_ request: Request, _ context: ConnectRequestContext) async throws -> Response {
        switch await authenticator.authenticate(request, context: context, allowsContextQSH: false) {
        case .refused(let error):
            return Self.unauthorized(error)
        case .storeUnavailable:
            return Self.storeUnavailable()
        case .authenticated(let authenticated):
            let token = try sessionToken(for: authenticated)
            let html = """
                <!DOCTYPE html>
                <html><head><meta charset="utf-8"><meta name="token" content="\(token)"><title>Hello</title></head>
                <body><h1>Hello from connect-server</h1><p>Tenant: \(HTML.escape(authenticated.tenant.clientKey))</p>
                <p>Calls to <code>/api/echo</code> carry the session token.</p></body></html>
                """
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", Self.acptHeader: token],
                            body: .init(byteBuffer: ByteBuffer(string: html)))
        }
    }

    /// An API route for the app's own pages: accepts the session token or any context token.
    func echo(_ request: Request, _ context: ConnectRequestContext) async throws -> Response {
        switch await authenticator.authenticate(request, context: context, allowsContextQSH: true) {
        case .refused(let error):
            return Self.unauthorized(error)
        case .storeUnavailable:
            return Self.storeUnavailable()
        case .authenticated(let authenticated):
            return try await Self.echoResponse(clientKey: authenticated.tenant.clientKey, request)
        }
    }

    static func echoResponse(clientKey: String?, _ request: Request) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024)
        let reply = JSONValue.object(JSONObject([
            "clientKey": clientKey.map(JSONValue.string) ?? .null, "echo": .string(String(buffer: body)),
        ])).jsonText()
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: reply)))
    }

    /// A session token: `iss` the app, `aud` the tenant, `qsh: context-qsh`, signed with the
    /// tenant's secret, valid 15 minutes. (An authenticated tenant's secret is open: the
    /// request was verified with it.)
    func sessionToken(for authenticated: Authenticated) throws(SecretUnavailable) -> String {
        let claims = ConnectClaims(issuer: configuration.appKey, subject: authenticated.subject, audience: authenticated.tenant.clientKey,
                                   issuedAt: UnixTime.now(), ttl: 900, request: nil)
        return ConnectTokenSigner.hs256(claims: claims.object, secret: try authenticated.tenant.sharedSecret)
    }

    typealias Authenticated = RequestAuthenticator.Authenticated

    /// ACE's header for the session token. A valid field name, so the literal always parses.
    static let acptHeader = HTTPField.Name("X-acpt")!

    /// 401 with the reason code in the body and in `X-Connect-Auth-Reason` (for callers and the
    /// access log, which read headers only).
    static func unauthorized(_ error: ConnectAuthError) -> Response {
        var response = jsonError(status: .unauthorized, reason: error.reason.rawValue)
        response.headers[reasonHeader] = error.reason.rawValue
        return response
    }

    /// A valid field name, so the literal always parses.
    static let reasonHeader = HTTPField.Name("X-Connect-Auth-Reason")!

    static func jsonError(status: HTTPResponse.Status, reason: String) -> Response {
        let body = JSONValue.object(JSONObject(["error": .string(status.reasonPhrase), "reason": .string(reason)])).jsonText()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// The server's background work, run and stopped with it: batched failure writes, the
/// known-tenants index, and hourly partition upkeep and retention pruning.
struct BackgroundWork: Service {
    let app: ConnectServerApp

    func run() async throws {
        // A live store from now on: `dev seed` refuses it even while it holds no tenant yet.
        do throws(StoreError) {
            try await app.store.markServed(node: app.configuration.node)
        } catch {
            app.logger.warning("could not mark the store as served: \(error.message)")
        }
        // Stops when the server shuts down; the recorder flushes what is queued on its way out.
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await app.recorder.run() }
                group.addTask { await app.rejections.run(interval: .milliseconds(500)) }
                group.addTask { await app.directory.known.run(store: app.store, logger: app.logger) }
                group.addTask {
                    while !Task.isCancelled {
                        do throws(StoreError) {
                            try await app.store.prepareComingPartitions()
                        } catch {
                            app.logger.warning("could not prepare the coming days' failure partitions: \(error.message)")
                        }
                        let cutoff = Date().addingTimeInterval(-app.configuration.retention)
                        if let deleted = try? await app.store.pruneFailures(olderThan: cutoff), deleted > 0 {
                            app.logger.info("pruned \(deleted) auth failures older than \(cutoff.ISO8601Format())")
                        }
                        if let deleted = try? await app.store.pruneRejectedEvents(olderThan: cutoff), deleted > 0 {
                            app.logger.info("pruned \(deleted) rejected lifecycle callbacks older than \(cutoff.ISO8601Format())")
                        }
                        try? await Task.sleep(for: .seconds(3600))
                    }
                }
            }
        }
    }
}

/// HTML text escaping for the example page.
enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        for character in Sanitized.escape(text) {
            switch character {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
