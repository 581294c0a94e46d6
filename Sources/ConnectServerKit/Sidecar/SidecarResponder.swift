import AdminCore
import ConnectCore
import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// `connect-server --upstream`: in front of an app it does not host. Unsafe requests are
/// refused first; lifecycle callbacks go to the lifecycle service (the host's), which relays
/// accepted ones; requests with tokens go through the authentication middleware (the host's)
/// and, in enforce mode, refused ones never reach the app; everything else goes through as is.
/// Every decision, and what the app answered, is recorded.
struct SidecarResponder: HTTPResponder {
    typealias Context = ConnectRequestContext

    let app: ConnectServerApp
    let upstream: UpstreamConfiguration
    let forwarder: UpstreamForwarder
    let descriptor: UpstreamDescriptor

    init(app: ConnectServerApp, upstream: UpstreamConfiguration) {
        self.app = app
        self.upstream = upstream
        self.forwarder = UpstreamForwarder(configuration: upstream, trusted: app.configuration.trustedProxies)
        self.descriptor = UpstreamDescriptor(upstream: upstream.url, basePath: app.configuration.basePath, appKey: app.configuration.appKey)
    }

    /// Re-reads the app's descriptor (lifecycle paths, app key) while the server runs.
    var descriptorWatch: some Service { descriptor.watch(client: HTTPClient.shared, logger: app.logger) }

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        if request.method == .get && path == "/healthz" { return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok"))) }
        if request.method == .get && path == "/readyz" { return await readiness() }
        if request.method == .get && path == "/metrics" && app.configuration.metricsPort == nil { return app.metricsResponse() }
        // Decided on the normalized path; passed on as it came (the host signed its qsh over it).
        let normalized: NormalizedPath
        do {
            normalized = try UnsafeRequest.screen(request)
        } catch {
            if let refused = refuse(error, request, context) { return refused }
            return await forward(request, context)
        }
        let checked = normalized.value[...]
        let routes = await descriptor.routes(client: HTTPClient.shared, logger: app.logger)
        if request.method == .post, let event = routes.lifecycleEvent(at: checked) {
            return await app.lifecycle.answer(event, request, context) { body in await relay(body, request, context) }
        }
        if checked == routes.descriptorPath || upstream.publicRoutes.matches(checked) {
            return await forward(request, context)
        }
        // A doubt means protected: the protection globs ignore case, as many apps' routers do.
        // Elsewhere a token that is present must verify all the same.
        let contextRoute = upstream.contextRoutes.matches(checked)
        let route = RouteAuthentication(required: upstream.protect.matchesIgnoringCase(checked), allowsContextQSH: contextRoute,
                                        sessionAppKey: contextRoute ? routes.appKey : nil)
        return try await app.authentication.asking(route).handle(request, context: context) { request, context in
            await forwardChecked(request, context)
        }
    }

    /// Passes on a request the authentication middleware let through (in `--observe`, refused
    /// ones too), and records where the app answered otherwise than we decided.
    func forwardChecked(_ request: Request, _ context: Context) async -> Response {
        let authentication = context.authentication
        let response = await forward(request, context)
        guard upstream.observe else { return response }
        switch authentication {
        case .refused(let refusal)? where response.status.code < 400:
            disagree("we refused it (\(refusal.error.reason.rawValue): \(refusal.error.detail)); the app answered \(response.status.code)",
                     request, context, refusal.token)
        case .authenticated(let caller)? where (400..<500).contains(response.status.code):
            disagree("we accepted the token; the app answered \(response.status.code)", request, context, caller.token)
        default:
            break
        }
        return response
    }

    /// Records an unsafe request and answers it; `nil` when observe mode passes it on (it is
    /// recorded all the same).
    func refuse(_ unsafe: UnsafeRequest, _ request: Request, _ context: Context) -> Response? {
        let error = ConnectAuthError(unsafe.reason, unsafe.detail)
        app.failures.record(error, request, context, token: nil)
        context.authentication = .refused(AuthenticationRefusal(error: error, token: nil, status: unsafe.status))
        guard unsafe.always || !upstream.observe else { return nil }
        return HTTPAnswer.refused(error, status: unsafe.status)
    }

    /// The app's answer, or 502/504 (recorded, folded like other floods) when it has none.
    func forward(_ request: Request, _ context: Context) async -> Response {
        do {
            return try await forwarder.forward(request, body: .of(request), remoteAddress: context.remoteAddress)
        } catch {
            let (status, detail): (HTTPResponse.Status, String) = switch error {
            case .timedOut: (.gatewayTimeout, "the app did not answer within \(upstream.timeout)")
            case .unreachable(let why): (.badGateway, "the app at \(upstream.url) could not be reached: \(why)")
            }
            app.failures.record(ConnectAuthError(.upstreamUnavailable, detail), request, context, token: nil)
            return HTTPAnswer.json(status: status, reason: ReasonCode.upstreamUnavailable.rawValue)
        }
    }

    /// How `/metrics` labels a request here: health, the descriptor, a lifecycle callback, or
    /// anything passed to the app (never the raw path).
    func routeLabel(_ request: Request) -> String {
        let path = request.uri.path
        if ["/healthz", "/readyz", "/metrics"].contains(path) { return path }
        let routes = descriptor.current
        if path == routes.descriptorPath { return "/atlassian-connect.json" }
        if let event = routes.lifecycle[path] { return "/" + event.rawValue }
        return "proxied"
    }

    /// Observe mode: the app answered otherwise than we decided.
    func disagree(_ detail: String, _ request: Request, _ context: Context, _ token: PresentedToken?) {
        app.failures.record(ConnectAuthError(.disagreement, detail), request, context, token: token)
    }

    /// Ready when our store answers and so does the app.
    func readiness() async -> Response {
        do {
            try await app.health.observe { () throws(StoreError) in try await app.store.ping() }
        } catch {
            return HTTPAnswer.storeUnavailable()
        }
        var probe = HTTPClientRequest(url: upstream.url + descriptor.current.descriptorPath)
        probe.method = .GET
        do {
            let response = try await HTTPClient.shared.execute(probe, timeout: .seconds(2))
            _ = try? await response.body.collect(upTo: 1024 * 1024)
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready")))
        } catch {
            return HTTPAnswer.json(status: .serviceUnavailable, reason: ReasonCode.upstreamUnavailable.rawValue)
        }
    }

    // MARK: - Lifecycle

    /// An accepted callback, passed to the app with the body as read; the lifecycle service
    /// writes the tenant only when the app answered 2xx.
    func relay(_ body: [UInt8], _ request: Request, _ context: Context) async -> LifecycleService.Relayed {
        do {
            let answer = try await forwarder.exchange(request, body: .bytes(ByteBuffer(bytes: body)), remoteAddress: context.remoteAddress)
            return LifecycleService.Relayed(answer: answer, status: answer.status.code)
        } catch {
            return LifecycleService.Relayed(answer: HTTPAnswer.json(status: .badGateway, reason: ReasonCode.upstreamUnavailable.rawValue), status: nil)
        }
    }
}
