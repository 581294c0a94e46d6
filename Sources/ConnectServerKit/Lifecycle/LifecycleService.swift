import AdminCore
import ConnectCore
import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers

/// Lifecycle callbacks (`installed`, `uninstalled`, `enabled`, `disabled`), decided and
/// recorded in one place for the host and the sidecar: the rules decide on the stored row,
/// the decision is written only if that row is still the one decided on, rejections are
/// folded, and the answer is mapped to HTTP here. Behind the sidecar an accepted callback is
/// relayed to the app first, and its tenant is written only when the app took it.
struct LifecycleService: Sendable {
    let rules: LifecycleRules
    let store: ConnectStore
    let directory: TenantDirectory
    let installKeys: InstallKeyService
    let rejections: RejectionRecorder
    let health: StoreHealth
    let hooks: ConnectServerHooks
    let metrics: ServerMetrics
    let logger: Logger
    /// The first base URL: the host signs the callback's qsh over the path below it.
    let baseURL: String?
    let clientAddress: @Sendable (Request, ConnectRequestContext) -> String?

    /// What the app behind the sidecar answered to a relayed callback: its answer, passed back
    /// to the host, and its status (`nil` when it could not be reached).
    struct Relayed: Sendable {
        var answer: Response
        var status: Int?
    }

    /// Passes an accepted callback (its body as read) to the app behind the sidecar.
    typealias Relay = @Sendable (_ body: [UInt8]) async -> Relayed

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
            eventType: event, body: body, bodyTooLarge: tooLarge, token: TokenSearch.connectToken(in: request),
            request: CanonicalRequest(method: request.method.rawValue, url: request.uri.string, baseURL: baseURL),
            remoteAddress: clientAddress(request, context), now: Date())
    }

    /// Decides, records and answers one callback. Without `relay` (the host) an accepted
    /// callback is answered 204; with it (the sidecar) the app's answer goes back, and the
    /// event records what the app answered.
    func answer(_ event: InstallEvent.EventType, _ request: Request, _ context: ConnectRequestContext, relay: Relay? = nil) async -> Response {
        let callback = await callback(event, request, context)
        var attempt = 0
        while true {
            attempt += 1
            let verdict: LifecycleVerdict, decidedOnAppRow: Bool
            do {
                (verdict, decidedOnAppRow) = try await decide(callback)
            } catch {
                return HTTPAnswer.storeUnavailable()
            }
            var decision = verdict.decision
            guard verdict.accepted else {
                if relay != nil { decision.event.forwarded = false }
                await recordRejection(decision.event)
                await finished(decision)
                return Self.refusal(verdict)
            }
            var answer = Response(status: .noContent)
            if let relay {
                let relayed = await relay(callback.body)
                answer = relayed.answer
                decision.event.forwarded = true
                decision.event.upstreamStatus = relayed.status
                if !(200..<300).contains(relayed.status ?? 0) {
                    decision.tenant = nil
                    if decision.event.detail.isEmpty { decision.event.detail = "the app refused it, so no tenant was written" }
                }
            }
            // A tenant installed before the sidecar is only in the app's store: ours is written
            // without a guard on a row we never had.
            if decidedOnAppRow { decision.basis = .unconditional }
            do {
                try await health.observe { () throws(StoreError) in try await store.record(decision) }
            } catch where error.kind == .conflict && relay == nil && attempt < 8 {
                // A concurrent callback changed the row after we decided: decide again on the new one.
                continue
            } catch where error.kind == .conflict && relay != nil {
                // Already relayed, so it cannot be decided again: keep the record of what happened.
                decision.tenant = nil
                try? await store.record(decision)
            } catch {
                if error.kind == .conflict {
                    logger.warning("lifecycle \(event.rawValue) kept conflicting with concurrent callbacks; answered 503")
                }
                guard relay != nil else { return HTTPAnswer.storeUnavailable() }
                logger.error("lifecycle \(event.rawValue) relayed but not recorded: \(error.message)")
            }
            await finished(decision)
            return answer
        }
    }

    /// The rules' verdict on the stored row — ours, or the app's (`--tenants-from`) for a tenant
    /// ours has not seen — and whether it was the app's.
    func decide(_ callback: LifecycleRules.Callback) async throws(StoreError) -> (LifecycleVerdict, decidedOnAppRow: Bool) {
        let fromApp = NIOLockedValueBox(false)
        let directory = self.directory, installKeys = self.installKeys
        let verdict = try await health.observe { () throws(StoreError) in
            try await rules.decide(callback, existing: { key throws(StoreError) in
                if let ours = try await directory.fresh(clientKey: key) { return ours }
                let theirs = try await directory.fromApp(clientKey: key)
                fromApp.withLockedValue { $0 = theirs != nil }
                return theirs
            }, installKey: { kid in await installKeys.key(kid: kid) })
        }
        return (verdict, fromApp.withLockedValue { $0 })
    }

    /// Rejections are folded: the first of a kind is written before the answer, identical
    /// ones within the window are counted. A rejection the store did not take is still
    /// answered as one (the verdict stands); the recorder counts it as dropped.
    func recordRejection(_ event: InstallEvent) async {
        guard let first = rejections.admit(event) else { return }
        do {
            try await health.observe { () throws(StoreError) in try await store.record(InstallDecision(event: first, tenant: nil)) }
            rejections.wrote(first, true)
        } catch {
            rejections.wrote(first, false)
            logger.warning("a rejected lifecycle \(event.eventType.rawValue) could not be recorded: \(error.message)")
        }
    }

    /// After a decision is recorded: the tenant cache, the embedding app's hooks, metrics and
    /// the log (accepted at info; rejections are in the store, folded during floods, so one
    /// log line each would not be).
    func finished(_ decision: InstallDecision) async {
        let event = decision.event
        metrics.lifecycle(event)
        logger.log(level: event.outcome == .accepted ? .info : .debug, "lifecycle \(event.eventType.rawValue) \(event.outcome.rawValue)", metadata: [
            "tenant": "\(Sanitized.escape(event.clientKey))", "reason": "\(event.reason?.rawValue ?? "-")", "auth": "\(event.auth)",
            "secret": "\(event.fingerprintAfter ?? event.fingerprintBefore ?? "-")",
        ])
        guard let tenant = decision.tenant else { return }
        directory.remember(tenant.clientKey, tenant)
        do {
            switch event.eventType {
            case .installed: try await hooks.onInstalled(tenant)
            case .uninstalled: try await hooks.onUninstalled(tenant)
            default: break
            }
        } catch {
            logger.error("lifecycle hook failed for \(Sanitized.escape(tenant.clientKey)): \(error)")
        }
    }

    /// A refused callback on the wire: 400 for a payload that cannot be used, 401 for one not
    /// authenticated as the tenant it names; the reason code in the body.
    static func refusal(_ verdict: LifecycleVerdict) -> Response {
        guard case .refused(let refusal, let error) = verdict.kind else { return Response(status: .noContent) }
        return HTTPAnswer.json(status: refusal == .invalidPayload ? .badRequest : .unauthorized, reason: error.reason.rawValue)
    }
}
