import AdminCore
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Synchronization

/// The host's install public keys, fetched from `<keys base URL>/<kid>` with a timeout and
/// cached by kid (keys never change for a kid). The kid has been validated by the verifier's
/// strict pattern before it is ever put in a URL.
public final class InstallKeyService: Sendable {
    private let baseURL: String
    private let timeout: TimeAmount
    private let cache = Mutex([String: SigningKey]())
    private let logger: Logger

    public init(baseURL: String, timeout: Duration = .seconds(5), logger: Logger = Logger(label: "connect-server.install-keys")) {
        var base = Substring(baseURL)
        while base.hasSuffix("/") { base = base.dropLast() }
        self.baseURL = String(base)
        self.timeout = .milliseconds(Int64(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
        self.logger = logger
    }

    public func key(kid: String) async -> KeyLookup {
        guard KeyID.isValid(kid) else { return .unavailable(.invalidKid, "kid is not a key id") }
        if let cached = cache.withLock({ $0[kid] }) { return .found(cached, source: "install key \(kid) (cached)") }
        do {
            var request = HTTPClientRequest(url: "\(baseURL)/\(kid)")
            request.method = .GET
            let response = try await HTTPClient.shared.execute(request, timeout: timeout)
            guard response.status == .ok else {
                return .unavailable(.installKeyUnavailable, "the install-keys service answered \(response.status.code) for kid \(kid)")
            }
            let body = try await response.body.collect(upTo: 16 * 1024)
            let pem = String(buffer: body)
            let key: SigningKey
            do {
                key = try SigningKey.rsa(pem: pem, kid: kid)
            } catch {
                return .unavailable(error.reason, error.detail)
            }
            cache.withLock { $0[kid] = key }
            return .found(key, source: "install key \(kid)")
        } catch {
            logger.warning("install key fetch failed", metadata: ["kid": "\(kid)", "error": "\(error)"])
            return .unavailable(.installKeyUnavailable, "install key \(kid) could not be fetched from \(baseURL): \(error)")
        }
    }
}
