import Crypto
import Foundation

/// The keys a process holds for secrets at rest: the first seals what is written, every one
/// opens what was sealed with it (so a store can be re-keyed while old values remain).
///
/// With no keys the ring writes secrets in plain text and opens only plain ones, which is
/// how a store without encryption at rest keeps working.
public struct SecretKeyRing: Sendable {
    public let keys: [SecretKey]
    /// Refuse plain values (`connect-server --require-sealed`).
    public var requireSealed: Bool

    public static let none = SecretKeyRing(keys: [])

    public init(keys: [SecretKey], requireSealed: Bool = false) {
        self.keys = keys
        self.requireSealed = requireSealed
    }

    public var isEmpty: Bool { keys.isEmpty }
    /// The key new values are sealed with.
    public var sealingKey: SecretKey? { keys.first }

    public func key(id: String) -> SecretKey? { keys.first { $0.id == id } }

    /// What a store's `shared_secret` column gets: the secret sealed with the first key, with
    /// the tenant's clientKey as associated data (a value copied to another tenant's row does
    /// not open), or the secret itself when the ring is empty.
    public func storedText(for secret: SharedSecret, clientKey: String) -> String {
        guard let key = sealingKey else { return secret.reveal() }
        return Self.seal(secret, clientKey: clientKey, with: key)
    }

    public static func seal(_ secret: SharedSecret, clientKey: String, with key: SecretKey) -> String {
        let nonce = AES.GCM.Nonce()
        // Sealing with a fresh random nonce and a 256-bit key cannot fail.
        guard let box = try? AES.GCM.seal(secret.bytes, using: key.key, nonce: nonce, authenticating: Array(clientKey.utf8)) else {
            preconditionFailure("AES-GCM sealing failed")
        }
        return SealedValue(keyID: key.id, nonce: Array(nonce), sealed: Array(box.ciphertext) + Array(box.tag)).text
    }

    /// Opens a `shared_secret` value read from a store. `fingerprint` is the one kept in clear
    /// beside it: a sealed value must open to a secret with that fingerprint (two history rows
    /// of one tenant swapped are caught here), and it tells a plain secret that happens to
    /// start with `v1:` from a sealed one.
    public func open(_ text: String, clientKey: String, fingerprint: String) -> StoredSecret {
        guard SealedValue.looksSealed(text), SharedSecret.fingerprint(of: text) != fingerprint else {
            if requireSealed { return .unavailable(SecretUnavailable(clientKey: clientKey, kind: .plain, fingerprint: fingerprint)) }
            return .open(SharedSecret(text))
        }
        let tampered = StoredSecret.unavailable(SecretUnavailable(clientKey: clientKey, kind: .tampered, fingerprint: fingerprint))
        guard let value = SealedValue(text) else { return tampered }
        guard let key = key(id: value.keyID) else {
            return .unavailable(SecretUnavailable(clientKey: clientKey, kind: .missingKey(keyID: value.keyID), fingerprint: fingerprint))
        }
        let tagStart = value.sealed.count - 16
        guard let nonce = try? AES.GCM.Nonce(data: value.nonce),
              let box = try? AES.GCM.SealedBox(nonce: nonce, ciphertext: value.sealed[..<tagStart], tag: value.sealed[tagStart...]),
              var plain = try? AES.GCM.open(box, using: key.key, authenticating: Array(clientKey.utf8)) else {
            return tampered
        }
        let secret = SharedSecret(bytes: Array(plain))
        plain.resetBytes(in: 0..<plain.count)  // the copy kept is the SharedSecret's
        guard secret.fingerprint == fingerprint else { return tampered }
        return .open(secret)
    }

    // MARK: - Loading

    /// The name systemd's `LoadCredential=` gives the key when nothing else names it.
    public static let credentialName = "connect-secret-key"

    /// The key files to use: `--secret-key-file` values in order; else `CONNECT_SECRET_KEY_FILE`
    /// (several separated by `:`; a relative name is looked up in systemd's
    /// `$CREDENTIALS_DIRECTORY` when that is set); else `$CREDENTIALS_DIRECTORY/connect-secret-key`
    /// if it exists. Never a key on the command line.
    public static func keyFiles(options: [String], environment: [String: String]) -> [String] {
        if !options.isEmpty { return options }
        let credentials = environment["CREDENTIALS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 }
        if let variable = environment["CONNECT_SECRET_KEY_FILE"], !variable.isEmpty {
            return variable.split(separator: ":").map { name in
                guard let credentials, !name.hasPrefix("/") else { return String(name) }
                return credentials + "/" + name
            }
        }
        if let credentials, FileManager.default.fileExists(atPath: credentials + "/" + credentialName) {
            return [credentials + "/" + credentialName]
        }
        return []
    }

    /// Reads every key file; two files holding the same key are one key.
    public static func load(files: [String], requireSealed: Bool = false) throws(SecretKeyError) -> SecretKeyRing {
        var keys: [SecretKey] = []
        for file in files {
            let key = try SecretKey.read(file: file)
            if !keys.contains(where: { $0.id == key.id }) { keys.append(key) }
        }
        return SecretKeyRing(keys: keys, requireSealed: requireSealed)
    }
}
