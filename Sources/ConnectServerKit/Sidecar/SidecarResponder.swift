import AdminCore
import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import NIOConcurrencyHelpers

/// `connect-server --upstream`: in front of an app it does not host. Lifecycle callbacks are
/// decided by our rules and passed on when accepted; requests with tokens are verified and,
/// in enforce mode, refused before they reach the app; everything else goes through as is.
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
            return await forward(request, context, body: .of(request))
        }
        let checked = normalized.value[...]
        let routes = await descriptor.routes(client: HTTPClient.shared, logger: app.logger)
        if request.method == .post, let event = routes.lifecycleEvent(at: checked) { return await lifecycle(event, request, context) }
        if checked == routes.descriptorPath || upstream.publicRoutes.matches(checked) {
            return await forward(request, context, body: .of(request))
        }
        // A doubt means protected: the protection globs ignore case, as many apps' routers do.
        let protected = upstream.protect.matchesIgnoringCase(checked)
        var tokens = RequestAuthenticator.tokens(in: request)
        var body = UpstreamForwarder.Body.of(request)
        if Self.isForm(request) {
            // A form post may carry the token in a `jwt` field: read (small) forms to look, and
            // refuse to guess what a large one carries.
            if let form = await Self.formBody(of: request) {
                tokens += RequestAuthenticator.formValues("jwt", in: Substring(String(buffer: form)))
                body = .bytes(form)
            } else if protected || !tokens.isEmpty, let refused = refuse(.uncheckableForm, request, context) {
                return refused
            }
        }
        guard !tokens.isEmpty || protected else { return await forward(request, context, body: body) }
        // Several tokens must be one token: the app may read another than the one we verify.
        let distinct = Set(tokens)
        if distinct.count > 1, let refused = refuse(.ambiguous(distinct.count), request, context) { return refused }
        let token = tokens.first
        let contextRoute = upstream.contextRoutes.matches(checked)
        let outcome = await app.authenticator.authenticate(request, context: context, allowsContextQSH: contextRoute,
                                                          sessionAppKey: contextRoute ? routes.appKey : nil, token: token)
        switch outcome {
        case .storeUnavailable:
            if upstream.observe { return await forward(request, context, body: body) }
            return ConnectServerApp.storeUnavailable()
        case .refused(let error):
            guard upstream.observe else { return ConnectServerApp.unauthorized(error) }
            let response = await forward(request, context, body: body)
            if response.status.code < 400 {
                disagree("we refused it (\(error.reason.rawValue): \(error.detail)); the app answered \(response.status.code)", request, context, token)
            }
            return response
        case .authenticated:
            let response = await forward(request, context, body: body)
            if upstream.observe && (400..<500).contains(response.status.code) {
                disagree("we accepted the token; the app answered \(response.status.code)", request, context, token)
            }
            return response
        }
    }

    /// Records an unsafe request and answers it; `nil` when observe mode passes it on (it is
    /// recorded all the same).
    func refuse(_ unsafe: UnsafeRequest, _ request: Request, _ context: Context) -> Response? {
        app.authenticator.recordFailure(ConnectAuthError(unsafe.reason, unsafe.detail), request, context, token: nil, decoded: nil)
        guard unsafe.always || !upstream.observe else { return nil }
        var response = ConnectServerApp.jsonError(status: unsafe.status, reason: unsafe.reason.rawValue)
        response.headers[ConnectServerApp.reasonHeader] = unsafe.reason.rawValue
        return response
    }

    /// Whether the request says its body is a form (which may carry a `jwt` field).
    static func isForm(_ request: Request) -> Bool {
        request.method == .post && request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true
    }

    /// The largest form body searched for a `jwt` field; a larger one is refused where a token
    /// is needed, and streams through unread elsewhere.
    static let maxFormBytes: Int64 = 1024 * 1024

    /// The body of a form post of known, small size; `nil` for anything else.
    static func formBody(of request: Request) async -> ByteBuffer? {
        guard isForm(request), case .stream(_, let length?) = UpstreamForwarder.Body.of(request), length <= maxFormBytes else { return nil }
        var request = request
        return try? await request.collectBody(upTo: Int(maxFormBytes))
    }

    /// The app's answer, or 502/504 (recorded, folded like other floods) when it has none.
    func forward(_ request: Request, _ context: Context, body: UpstreamForwarder.Body) async -> Response {
        do {
            return try await forwarder.forward(request, body: body, remoteAddress: context.remoteAddress)
        } catch {
            let (status, detail): (HTTPResponse.Status, String) = switch error {
            case .timedOut: (.gatewayTimeout, "the app did not answer within \(upstream.timeout)")
            case .unreachable(let why): (.badGateway, "the app at \(upstream.url) could not be reached: \(why)")
            }
            app.authenticator.recordFailure(ConnectAuthError(.upstreamUnavailable, detail), request, context, token: nil, decoded: nil)
            return ConnectServerApp.jsonError(status: status, reason: ReasonCode.upstreamUnavailable.rawValue)
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
    func disagree(_ detail: String, _ request: Request, _ context: Context, _ token: String?) {
        let decoded = token.flatMap { try? ConnectToken.decode($0) }
        app.authenticator.recordFailure(ConnectAuthError(.disagreement, detail), request, context, token: token, decoded: decoded)
    }

    /// Ready when our store answers and so does the app.
    func readiness() async -> Response {
        do {
            try await app.health.observe { () throws(StoreError) in try await app.store.ping() }
        } catch {
            return ConnectServerApp.storeUnavailable()
        }
        var probe = HTTPClientRequest(url: upstream.url + descriptor.current.descriptorPath)
        probe.method = .GET
        do {
            let response = try await HTTPClient.shared.execute(probe, timeout: .seconds(2))
            _ = try? await response.body.collect(upTo: 1024 * 1024)
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready")))
        } catch {
            return ConnectServerApp.jsonError(status: .serviceUnavailable, reason: ReasonCode.upstreamUnavailable.rawValue)
        }
    }

    // MARK: - Lifecycle

    /// Decided by our rules; an accepted callback is passed to the app, and the tenant row is
    /// written only when the app answered 2xx — the event says what it answered either way.
    func lifecycle(_ event: InstallEvent.EventType, _ request: Request, _ context: Context) async -> Response {
        let callback = await app.callback(event, request, context)
        // A tenant installed before the sidecar is only in the app's store: decide on that row,
        // and write ours without a guard on a row we never had.
        let fromApp = NIOLockedValueBox(false)
        let directory = app.directory
        let outcome: LifecycleRules.Outcome
        do {
            outcome = try await app.health.observe { () throws(StoreError) in
                try await app.rules.decide(callback, existing: { key throws(StoreError) in
                    if let ours = try await directory.fresh(clientKey: key) { return ours }
                    let theirs = try await directory.fromApp(clientKey: key)
                    fromApp.withLockedValue { $0 = theirs != nil }
                    return theirs
                }, installKey: { kid in await app.installKeys.key(kid: kid) })
            }
        } catch {
            return ConnectServerApp.storeUnavailable()
        }
        var decision = outcome.decision
        guard outcome.accepted else {
            decision.event.forwarded = false
            try? await app.recordRejection(decision.event)
            let reason = decision.event.reason?.rawValue ?? "rejected"
            return ConnectServerApp.jsonError(status: outcome.status == 400 ? .badRequest : .unauthorized, reason: reason)
        }
        decision.event.forwarded = true
        let answer: Response
        do {
            answer = try await forwarder.exchange(request, body: .bytes(ByteBuffer(bytes: callback.body)), remoteAddress: context.remoteAddress)
            decision.event.upstreamStatus = answer.status.code
        } catch {
            decision.event.upstreamStatus = nil
            answer = ConnectServerApp.jsonError(status: .badGateway, reason: ReasonCode.upstreamUnavailable.rawValue)
        }
        if !(200..<300).contains(decision.event.upstreamStatus ?? 0) {
            decision.tenant = nil
            decision.event.detail = decision.event.detail.isEmpty ? "the app refused it, so no tenant was written" : decision.event.detail
        }
        if fromApp.withLockedValue({ $0 }) { decision.basis = .unconditional }
        do {
            try await app.health.observe { () throws(StoreError) in try await app.store.record(decision) }
        } catch where error.kind == .conflict {
            // A concurrent callback changed the row after we decided: keep the record of this one.
            decision.tenant = nil
            try? await app.store.record(decision)
        } catch {
            app.logger.error("lifecycle \(event.rawValue) forwarded but not recorded: \(error.message)")
        }
        if let tenant = decision.tenant { directory.remember(tenant.clientKey, tenant) }
        app.metrics.lifecycle(decision.event)
        return answer
    }
}
