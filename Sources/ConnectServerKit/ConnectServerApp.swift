import AdminCore
import Foundation
import Hummingbird
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
    public let directory: TenantDirectory
    public let installKeys: InstallKeyService
    public let hooks: ConnectServerHooks
    let authenticator: RequestAuthenticator
    let rules: LifecycleRules
    let descriptor: String
    let logger: Logger

    public init(configuration: ServerConfiguration, store: ConnectStore, hooks: ConnectServerHooks = ConnectServerHooks(),
                logger: Logger = Logger(label: "connect-server")) throws {
        self.configuration = configuration
        self.store = store
        self.hooks = hooks
        self.logger = logger
        self.recorder = FailureRecorder(store: store, capacity: configuration.failureQueueCapacity)
        self.directory = TenantDirectory(store: store)
        self.installKeys = InstallKeyService(baseURL: configuration.installKeysURL)
        let verifier = ConnectTokenVerifier(leeway: configuration.leeway, minimumSecretBytes: 32)
        self.rules = LifecycleRules(appBaseURLs: configuration.baseURLs, legacyInstall: configuration.legacyInstall,
                                    verifier: verifier, node: configuration.node)
        self.authenticator = RequestAuthenticator(verifier: verifier, directory: directory, recorder: recorder,
                                                  basePath: RequestTarget(configuration.baseURLs.first ?? "").path, node: configuration.node, logger: logger)
        self.descriptor = try Descriptor.json(configuration: configuration)
    }

    /// The Hummingbird application. `onServerRunning` receives the bound port (useful with port 0).
    public func makeApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router(context: ConnectRequestContext.self)
        addRoutes(to: router)
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.bind, port: configuration.port), serverName: "connect-server"),
            services: [BackgroundWork(app: self)],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    func addRoutes(to router: Router<ConnectRequestContext>) {
        router.get("/healthz") { _, _ in "ok" }
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
            case .failure(let error): return Self.unauthorized(error)
            case .success: return Response(status: .noContent)
            }
        }
    }

    // MARK: - Lifecycle

    func lifecycle(_ event: InstallEvent.EventType, _ request: Request, _ context: ConnectRequestContext) async throws -> Response {
        var request = request
        var body: [UInt8] = []
        var tooLarge = false
        do {
            body = Array(buffer: try await request.collectBody(upTo: LifecyclePayload.maxBytes))
        } catch {
            // Oversized: decided (and recorded) as an invalid payload without reading it all.
            tooLarge = true
        }
        let callback = LifecycleRules.Callback(
            eventType: event, body: body, bodyTooLarge: tooLarge, token: RequestAuthenticator.token(in: request),
            request: CanonicalRequest(method: request.method.rawValue, url: request.uri.string, baseURL: configuration.baseURLs.first),
            remoteAddress: context.remoteAddress, now: Date())
        let outcome: LifecycleRules.Outcome
        do {
            outcome = try await rules.decide(callback, existing: { key throws(StoreError) in try await self.directory.fresh(clientKey: key) },
                                             installKey: { kid in await self.installKeys.key(kid: kid) })
            // Commit before answering: a 204 means the store has it.
            try await store.record(outcome.decision)
        } catch {
            logger.error("lifecycle \(event.rawValue) could not be recorded: \(error)")
            return Response(status: .serviceUnavailable)
        }
        let decided = outcome.decision.event
        logger.info("lifecycle \(event.rawValue) \(decided.outcome.rawValue)", metadata: [
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

    // MARK: - Example routes

    /// A page the host shows in an iframe: qsh-checked, carries a session token for the
    /// browser (as ACE's `{{token}}`), also sent as `X-acpt`.
    func helloPage(_ request: Request, _ context: ConnectRequestContext) async throws -> Response {
        switch await authenticator.authenticate(request, context: context, allowsContextQSH: false) {
        case .failure(let error):
            return Self.unauthorized(error)
        case .success(let authenticated):
            let token = sessionToken(for: authenticated)
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
        case .failure(let error):
            return Self.unauthorized(error)
        case .success(let authenticated):
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
    /// tenant's secret, valid 15 minutes.
    func sessionToken(for authenticated: Authenticated) -> String {
        let claims = ConnectClaims(issuer: configuration.appKey, subject: authenticated.subject, audience: authenticated.tenant.clientKey,
                                   issuedAt: UnixTime.now(), ttl: 900, request: nil)
        return ConnectTokenSigner.hs256(claims: claims.object, secret: authenticated.tenant.sharedSecret)
    }

    typealias Authenticated = RequestAuthenticator.Authenticated

    /// ACE's header for the session token. A valid field name, so the literal always parses.
    static let acptHeader = HTTPField.Name("X-acpt")!

    static func unauthorized(_ error: ConnectAuthError) -> Response {
        jsonError(status: .unauthorized, reason: error.reason.rawValue)
    }

    static func jsonError(status: HTTPResponse.Status, reason: String) -> Response {
        let body = JSONValue.object(JSONObject(["error": .string(status.reasonPhrase), "reason": .string(reason)])).jsonText()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// The server's background work, run and stopped with it: batched failure writes and
/// hourly retention pruning.
struct BackgroundWork: Service {
    let app: ConnectServerApp

    func run() async throws {
        // Stops when the server shuts down; the recorder flushes what is queued on its way out.
        try await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await app.recorder.run() }
                group.addTask {
                    while !Task.isCancelled {
                        let cutoff = Date().addingTimeInterval(-app.configuration.retention)
                        if let deleted = try? await app.store.pruneFailures(olderThan: cutoff), deleted > 0 {
                            app.logger.info("pruned \(deleted) auth failures older than \(cutoff.ISO8601Format())")
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
