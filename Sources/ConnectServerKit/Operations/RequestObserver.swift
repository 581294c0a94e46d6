import AdminCore
import ConnectCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Every request, counted and timed for `/metrics` by route (a fixed set, never the raw path),
/// and — unless `--no-access-log` — one access line at `info`: method, path without the token,
/// status, duration, tenant and, for a refusal, its reason code (both as the authentication
/// middleware decided them, from the request context).
struct RequestObserver<Base: HTTPResponder>: HTTPResponder where Base.Context == ConnectRequestContext {
    typealias Context = ConnectRequestContext
    let base: Base
    let logger: Logger
    let accessLog: Bool
    let metrics: ServerMetrics
    let route: @Sendable (Request) -> String

    func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await base.respond(to: request, context: context)
        let elapsed = ContinuousClock.now - started
        metrics.request(route: route(request), method: request.method.rawValue, status: response.status.code, duration: elapsed)
        guard accessLog, logger.logLevel <= .info else { return response }
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let authentication = context.authentication
        var metadata: Logger.Metadata = [
            "method": "\(request.method.rawValue)",
            "path": "\(Sanitized.escape(String(TokenSearch.pathWithoutToken(request.uri.string).prefix(1000))))",
            "status": "\(response.status.code)",
            "duration_ms": "\(String(format: "%.2f", milliseconds))",
        ]
        if let tenant = authentication?.token?.tenantKey { metadata["tenant"] = "\(Sanitized.escape(String(tenant.prefix(256))))" }
        if let reason = authentication?.reason { metadata["reason"] = "\(reason.rawValue)" }
        logger.info("request", metadata: metadata)
        return response
    }
}
