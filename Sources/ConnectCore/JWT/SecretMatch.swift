import Foundation

/// Which of a tenant's secrets, current or past, signed a token: the "stale secret"
/// diagnosis. A token that fails with the current secret but matches an old one was signed
/// by something that missed a reinstall.
public enum SecretMatch: Sendable, Equatable {
    case current(fingerprint: String)
    /// Matches a secret that stopped being current at `until`.
    case stale(fingerprint: String, currentFrom: Date, until: Date)
    case none
    /// No secret that could be opened signed it, and some could not be opened (sealed under
    /// a key not in the ring): the answer is not known here.
    case unchecked(SecretUnavailable)

    /// Checks the token's HS256 signature against every secret in `history`.
    public static func find(_ token: ConnectToken, in history: [SecretHistoryEntry]) -> SecretMatch {
        var unavailable: SecretUnavailable?
        for entry in history {
            let secret: SharedSecret
            switch entry.secret {
            case .open(let open): secret = open
            case .unavailable(let reason):
                unavailable = unavailable ?? reason
                continue
            }
            guard HS256.isValid(token.signature, for: token.signingInput, secret: secret) else { continue }
            if let until = entry.currentUntil {
                return .stale(fingerprint: entry.fingerprint, currentFrom: entry.currentFrom, until: until)
            }
            return .current(fingerprint: entry.fingerprint)
        }
        return unavailable.map(SecretMatch.unchecked) ?? .none
    }

    /// Where a secret fingerprint stands in a tenant's history (`secret check`).
    public static func find(fingerprint: String, in history: [SecretHistoryEntry]) -> SecretMatch {
        guard let entry = history.first(where: { $0.fingerprint == fingerprint.lowercased() }) else { return .none }
        if let until = entry.currentUntil {
            return .stale(fingerprint: entry.fingerprint, currentFrom: entry.currentFrom, until: until)
        }
        return .current(fingerprint: entry.fingerprint)
    }

    /// `current`, `stale` or `unknown`, as the CLI and JSON say it.
    public var answer: String {
        switch self {
        case .current: return "current"
        case .stale: return "stale"
        case .none: return "unknown"
        case .unchecked: return "unchecked"
        }
    }
}
