import AdminCore
import ConnectCore
import Foundation
import Hummingbird
import Logging

/// Records a refused or failed request as an auth failure, without waiting for the store:
/// the folding recorder batches it, `/metrics` counts it by reason, and a debug line names it.
/// The token is kept only as its fingerprint; the path without its `jwt`/`acpt` parameters.
struct RequestFailures: Sendable {
    let recorder: FailureRecorder
    let node: String
    let trustedProxies: TrustedProxies
    let metrics: ServerMetrics
    let logger: Logger

    func record(_ error: ConnectAuthError, _ request: Request, _ context: ConnectRequestContext, token: PresentedToken?) {
        let decoded = token?.structure
        func time(_ name: String) -> Int64? {
            if case .integer(let value)? = decoded?.claims[name] { return value }
            return nil
        }
        let failure = AuthFailure(
            at: Date(), node: node, clientKey: decoded?.tenantKey.map { String($0.prefix(256)) }, reason: error.reason,
            detail: String(error.detail.prefix(500)), method: request.method.rawValue,
            path: String(TokenSearch.pathWithoutToken(request.uri.string).prefix(1000)),
            remoteAddress: trustedProxies.clientAddress(request, context),
            userAgent: request.headers[.userAgent].map { String($0.prefix(300)) }, tokenFingerprint: token?.fingerprint,
            alg: decoded?.algorithm.map { String($0.prefix(32)) }, kid: decoded?.keyID.map { String($0.prefix(128)) },
            exp: time("exp"), iat: time("iat"))
        recorder.record(failure)
        metrics.authFailure(error.reason)
        // Debug only: every refusal is in the store already, and a flood of forged tokens must
        // not turn into a flood of synchronous log writes on the request path.
        logger.debug("request refused", metadata: [
            "reason": "\(error.reason.rawValue)", "path": "\(Sanitized.escape(failure.path))", "tenant": "\(Sanitized.escape(failure.clientKey ?? "-"))",
            "token": "\(failure.tokenFingerprint ?? "-")",
        ])
    }
}
