import AdminCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Every request, counted and timed for `/metrics` by route (a fixed set, never the raw path),
/// and — unless `--no-access-log` — one access line at `info`: method, path without the token,
/// status, duration, tenant and, for a refusal, its reason code.
struct RequestObserver<Base: HTTPResponder>: HTTPResponder where Base.Context == ConnectRequestContext {
    typealias Context = ConnectRequestContext
    let base: Base
    let log: RequestLog
    let route: @Sendable (Request) -> String

    func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await base.respond(to: request, context: context)
        log.record(request, route: route(request), status: response.status.code, reason: response.headers[ConnectServerApp.reasonHeader],
                   elapsed: ContinuousClock.now - started)
        return response
    }
}

/// Where a request answered goes: `/metrics`, and the access log when it is on. Shared by the
/// responders and the sidecar's event-loop path, so both count and log alike.
struct RequestLog: Sendable {
    let logger: Logger
    let accessLog: Bool
    let metrics: ServerMetrics

    /// `reason`: a refusal's reason code (the `X-Connect-Auth-Reason` field).
    func record(_ request: Request, route: String, status: Int, reason: String?, elapsed: Duration) {
        metrics.request(route: route, method: request.method.rawValue, status: status, duration: elapsed)
        guard accessLog, logger.logLevel <= .info else { return }
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let tenant = RequestAuthenticator.token(in: request).flatMap { try? ConnectToken.decode($0) }?.tenantKey
        var metadata: Logger.Metadata = [
            "method": "\(request.method.rawValue)",
            "path": "\(Sanitized.escape(String(RequestAuthenticator.pathWithoutToken(request.uri.string).prefix(1000))))",
            "status": "\(status)",
            "duration_ms": "\(String(format: "%.2f", milliseconds))",
        ]
        if let tenant { metadata["tenant"] = "\(Sanitized.escape(String(tenant.prefix(256))))" }
        if let reason { metadata["reason"] = "\(reason)" }
        logger.info("request", metadata: metadata)
    }
}
