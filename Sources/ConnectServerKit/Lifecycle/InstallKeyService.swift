import AdminCore
import ConnectCore
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOConcurrencyHelpers

/// The host's install public keys, fetched from `<keys base URL>/<kid>` with a timeout and
/// cached by kid (keys never change for a kid). The kid has been validated by the verifier's
/// strict pattern before it is ever put in a URL.
///
/// Forged installs choose the kid, so fetching is bounded three ways: one fetch in flight
/// per kid (concurrent callbacks wait for it), a negative cache for kids the service said
/// it does not know (404), and a cap on fetches of unknown kids per minute — beyond it the
/// callback is refused with `install_key_unavailable` without any outbound request.
public final class InstallKeyService: Sendable {
    private struct State {
        var keys: [String: SigningKey] = [:]
        /// Kids answered 404, until when that answer is trusted.
        var missing: [String: ContinuousClock.Instant] = [:]
        var inFlight: [String: Task<KeyLookup, Never>] = [:]
        var windowStart = ContinuousClock.now
        var fetchesInWindow = 0
        var fetches = 0
    }

    private enum Step {
        case done(KeyLookup)
        case wait(Task<KeyLookup, Never>)
    }

    private let baseURL: String
    private let timeout: TimeAmount
    private let negativeTTL: Duration
    private let maxFetchesPerMinute: Int
    private let state = NIOLockedValueBox(State())
    private let logger: Logger
    private let metrics: ServerMetrics?

    public init(baseURL: String, timeout: Duration = .seconds(5), negativeTTL: Duration = .seconds(300), maxFetchesPerMinute: Int = 30,
                logger: Logger = Logger(label: "connect-server.install-keys"), metrics: ServerMetrics? = nil) {
        self.metrics = metrics
        var base = Substring(baseURL)
        while base.hasSuffix("/") { base = base.dropLast() }
        self.baseURL = String(base)
        self.timeout = TimeAmount(timeout)
        self.negativeTTL = negativeTTL
        self.maxFetchesPerMinute = maxFetchesPerMinute
        self.logger = logger
    }

    /// Outbound fetches made so far.
    public var fetchCount: Int { state.withLockedValue { $0.fetches } }

    public func key(kid: String) async -> KeyLookup {
        guard KeyID.isValid(kid) else { return .unavailable(.invalidKid, "kid is not a key id") }
        let now = ContinuousClock.now
        let step: Step = state.withLockedValue { state in
            if let key = state.keys[kid] { return .done(.found(key, source: "install key \(kid) (cached)")) }
            if let until = state.missing[kid] {
                if now < until {
                    return .done(.unavailable(.installKeyUnavailable, "the install-keys service does not know kid \(kid) (answered 404 recently)"))
                }
                state.missing[kid] = nil
            }
            if let running = state.inFlight[kid] { return .wait(running) }
            if now - state.windowStart >= .seconds(60) {
                state.windowStart = now
                state.fetchesInWindow = 0
            }
            guard state.fetchesInWindow < maxFetchesPerMinute else {
                return .done(.unavailable(.installKeyUnavailable,
                                          "too many unknown install key ids this minute (limit \(maxFetchesPerMinute)); kid \(kid) was not fetched"))
            }
            state.fetchesInWindow += 1
            state.fetches += 1
            let fetch = Task { await self.fetch(kid) }
            state.inFlight[kid] = fetch
            return .wait(fetch)
        }
        switch step {
        case .done(let lookup): return lookup
        case .wait(let task): return await task.value
        }
    }

    private func fetch(_ kid: String) async -> KeyLookup {
        let (lookup, notFound) = await download(kid)
        state.withLockedValue { state in
            state.inFlight[kid] = nil
            if case .found(let key, _) = lookup { state.keys[kid] = key }
            if notFound {
                if state.missing.count >= 10_000 { state.missing.removeAll(keepingCapacity: true) }
                state.missing[kid] = .now + negativeTTL
            }
        }
        return lookup
    }

    private func download(_ kid: String) async -> (KeyLookup, notFound: Bool) {
        let result = await downloadOnce(kid)
        switch result.0 {
        case .found: metrics?.installKeyFetch(outcome: "found")
        default: metrics?.installKeyFetch(outcome: result.notFound ? "not_found" : "failed")
        }
        return result
    }

    private func downloadOnce(_ kid: String) async -> (KeyLookup, notFound: Bool) {
        do {
            var request = HTTPClientRequest(url: "\(baseURL)/\(kid)")
            request.method = .GET
            let response = try await HTTPClient.shared.execute(request, timeout: timeout)
            guard response.status == .ok else {
                return (.unavailable(.installKeyUnavailable, "the install-keys service answered \(response.status.code) for kid \(kid)"),
                        response.status == .notFound)
            }
            let body = try await response.body.collect(upTo: 16 * 1024)
            do {
                return (.found(try SigningKey.rsa(pem: String(buffer: body), kid: kid), source: "install key \(kid)"), false)
            } catch {
                return (.unavailable(error.reason, error.detail), false)
            }
        } catch {
            logger.warning("install key fetch failed", metadata: ["kid": "\(kid)", "error": "\(error)"])
            return (.unavailable(.installKeyUnavailable, "install key \(kid) could not be fetched from \(baseURL): \(error)"), false)
        }
    }
}
