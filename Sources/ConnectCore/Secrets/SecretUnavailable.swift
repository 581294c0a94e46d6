/// Why a stored shared secret cannot be used here, in one sentence naming what to fix.
public struct SecretUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Sealed under a key whose file was not given (`--secret-key-file`).
        case missingKey(keyID: String)
        /// The sealed value does not open under its key: edited, truncated, or copied from
        /// another tenant's row. Never used.
        case tampered
        /// Stored in plain text where sealed secrets are required (`--require-sealed`).
        case plain
    }

    public var clientKey: String
    public var kind: Kind
    /// The fingerprint the store keeps in clear beside the value.
    public var fingerprint: String

    public init(clientKey: String, kind: Kind, fingerprint: String) {
        self.clientKey = clientKey
        self.kind = kind
        self.fingerprint = fingerprint
    }

    public var message: String {
        let tenant = Sanitized.quote(clientKey)
        switch kind {
        case .missingKey(let keyID):
            return "the shared secret of \(tenant) is sealed with key id \(keyID), which is not in the key ring: pass that key's file with --secret-key-file"
        case .tampered:
            return "the sealed shared secret of \(tenant) is tampered or damaged (it does not open under its key) and is not used: restore the row from a backup or have the site reinstall the app"
        case .plain:
            return "the shared secret of \(tenant) is stored in plain text and sealed secrets are required (--require-sealed): run `connect-admin store seal`"
        }
    }

    /// A few words for a table cell: `needs key id 1a2b3c4d`, `tampered`, `plain, refused`.
    public var label: String {
        switch kind {
        case .missingKey(let keyID): return "needs key id \(keyID)"
        case .tampered: return "tampered"
        case .plain: return "plain, refused"
        }
    }

    public var description: String { message }
}
