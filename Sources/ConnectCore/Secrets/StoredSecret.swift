/// A tenant's shared secret as a store gave it: open (plain, or sealed under a key in the
/// ring), or not usable here, with the sentence that says why.
///
/// A tenant whose secret is sealed under a key this process does not hold is still a
/// tenant: it is listed with its fingerprint (kept in clear), and only what needs the secret
/// itself (revealing it, signing, verifying with it) fails, with `SecretUnavailable`.
public enum StoredSecret: Sendable, Equatable {
    case open(SharedSecret)
    case unavailable(SecretUnavailable)

    public var fingerprint: String {
        switch self {
        case .open(let secret): return secret.fingerprint
        case .unavailable(let reason): return reason.fingerprint
        }
    }

    /// The secret, or why it cannot be had.
    public func opened() throws(SecretUnavailable) -> SharedSecret {
        switch self {
        case .open(let secret): return secret
        case .unavailable(let reason): throw reason
        }
    }
}
