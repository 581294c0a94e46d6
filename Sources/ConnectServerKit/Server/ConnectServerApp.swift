import AdminCore
import ConnectCore
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
    /// Guards the example app's protected routes, and the sidecar's.
    let authentication: AuthenticationMiddleware
    let failures: RequestFailures
    let lifecycle: LifecycleService
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
        let rules = LifecycleRules(appBaseURLs: configuration.baseURLs, legacyInstall: configuration.legacyInstall,
                                   verifier: verifier, node: configuration.node)
        let failures = RequestFailures(recorder: recorder, node: configuration.node, trustedProxies: configuration.trustedProxies,
                                       metrics: metrics, logger: logger)
        self.failures = failures
        let connect = ConnectRequestVerifier(verifier: verifier, directory: directory, health: health,
                                             basePath: RequestTarget(configuration.baseURLs.first ?? "").path)
        self.authentication = AuthenticationMiddleware(verifiers: [connect], failures: failures,
                                                       enforcement: configuration.upstream?.observe == true ? .observe : .enforce)
        let trustedProxies = configuration.trustedProxies
        self.lifecycle = LifecycleService(rules: rules, store: store, directory: directory, installKeys: installKeys, rejections: rejections,
                                          health: health, hooks: hooks, metrics: metrics, logger: logger, baseURL: configuration.baseURLs.first,
                                          clientAddress: { request, context in trustedProxies.clientAddress(request, context) })
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
                return HTTPAnswer.storeUnavailable()
            }
        }
        let base = configuration.basePath
        let app = router.group(RouterPath(base.isEmpty ? "/" : base))
        app.get("atlassian-connect.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: self.descriptor)))
        }
        for event in InstallEvent.EventType.allCases {
            app.post(RouterPath(stringLiteral: event.rawValue)) { request, context in
                await self.lifecycle.answer(event, request, context)
            }
        }
        // The same handler without authentication: for public endpoints, and the baseline the
        // server benchmark compares the authenticated route with.
        app.post("public/echo") { request, _ in
            try await Self.echoResponse(clientKey: nil, request)
        }
        // Tokens signed over this very request.
        let signed = app.group().add(middleware: authentication)
        signed.get("pages/hello") { request, context in
            try self.helloPage(request, try Self.caller(context))
        }
        signed.post("webhooks/:event") { _, context in
            _ = try Self.caller(context)
            return Response(status: .noContent)
        }
        // The app's own pages calling its API: context tokens too.
        let api = app.group().add(middleware: authentication.asking(RouteAuthentication(allowsContextQSH: true)))
        api.post("api/echo") { request, context in
            try await Self.echoResponse(clientKey: try Self.caller(context).tenant.clientKey, request)
        }
    }

    /// The caller the authentication middleware let through to a guarded route.
    static func caller(_ context: ConnectRequestContext) throws -> AuthenticatedCaller {
        guard case .authenticated(let caller)? = context.authentication else { throw HTTPError(.unauthorized) }
        return caller
    }

    // MARK: - Example routes

    /// A page the host shows in an iframe: qsh-checked, carries a session token for the
    /// browser (as ACE's `{{token}}`), also sent as `X-acpt`.
    func helloPage(_ request: Request, _ caller: AuthenticatedCaller) throws -> Response {
        let token = try sessionToken(for: caller)
        let html = """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><meta name="token" content="\(token)"><title>Hello</title></head>
            <body><h1>Hello from connect-server</h1><p>Tenant: \(HTML.escape(caller.tenant.clientKey))</p>
            <p>Calls to <code>/api/echo</code> carry the session token.</p></body></html>
            """
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", HTTPAnswer.acptHeader: token],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
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
    func sessionToken(for caller: AuthenticatedCaller) throws(SecretUnavailable) -> String {
        let claims = ConnectClaims(issuer: configuration.appKey, subject: caller.subject, audience: caller.tenant.clientKey,
                                   issuedAt: UnixTime.now(), ttl: 900, request: nil)
        return ConnectTokenSigner.hs256(claims: claims.object, secret: try caller.tenant.sharedSecret)
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
