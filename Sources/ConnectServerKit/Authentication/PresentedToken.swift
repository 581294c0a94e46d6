import ConnectCore

/// A token as a request presented it, decoded once: the verifier, the failure records, the
/// access log and the sidecar's disagreement check all read this one decoding.
public struct PresentedToken: Sendable {
    /// The token's text. A secret: recorded and logged only as `fingerprint`.
    public let text: String
    public let family: TokenFamily
    /// The token's structure, or why it has none a verifier could check.
    public let decoded: Result<ConnectToken, ConnectAuthError>
    private let maxTokenBytes: Int

    public init(text: String, family: TokenFamily, limits: ConnectToken.Limits) {
        self.text = text
        self.family = family
        do {
            self.decoded = .success(try ConnectToken.decode(text, limits: limits))
        } catch {
            self.decoded = .failure(error)
        }
        self.maxTokenBytes = limits.maxTokenBytes
    }

    /// What the store keeps of the token: a fingerprint, or `oversized`. Computed when asked
    /// (a refusal being recorded), not for every request that passes.
    public var fingerprint: String {
        text.utf8.count <= maxTokenBytes ? ConnectToken.fingerprint(of: text) : "oversized"
    }

    /// The token's structure, when it has one.
    public var structure: ConnectToken? { try? decoded.get() }

    /// The tenant the token names (its `aud`, else its `iss`), when it decodes.
    public var tenantKey: String? { structure?.tenantKey }
}
