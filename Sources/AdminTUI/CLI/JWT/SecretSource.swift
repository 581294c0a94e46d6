import AdminCore
import CommandLineSupport
import ConnectCore
import ArgumentParser
import Foundation

/// Where a command gets a tenant's shared secret: a file, or (with a store) the tenant row.
struct SecretSource: ParsableArguments {
    @Option(name: .customLong("tenant"), help: "Read the secret of this clientKey from the store.")
    var tenant: String?

    @Option(name: .customLong("secret-file"), help: "A file holding the shared secret as text (a trailing newline is ignored).")
    var secretFile: String?

    init() {}

    init(tenant: String?, secretFile: String?) {
        self.tenant = tenant
        self.secretFile = secretFile
    }

    /// The secret from `--secret-file`, refusing empty ones and warning about short ones.
    func secretFromFile() throws -> SharedSecret? {
        guard let path = secretFile else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CommandFailure.usage("cannot read secret file \(path): check the path and its permissions")
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw CommandFailure.usage("secret file \(path) is not UTF-8 text")
        }
        if text.hasSuffix("\r\n") { text.removeLast(2) } else if text.hasSuffix("\n") { text.removeLast() }
        guard !text.isEmpty else { throw CommandFailure.usage("secret file \(path) is empty: put the tenant's sharedSecret in it") }
        let secret = SharedSecret(text)
        if secret.byteCount < 32 {
            Standard.warning("the secret in \(path) is only \(secret.byteCount) bytes; connect-server refuses secrets shorter than 32 bytes")
        }
        return secret
    }

    func validateExclusive() throws {
        if tenant != nil && secretFile != nil {
            throw ValidationError("give either --tenant or --secret-file, not both")
        }
    }
}
