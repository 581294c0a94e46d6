import AdminCore
import ConnectCore
import CryptoExtras

/// A throwaway RSA install key pair, as a Connect host's key service would hold.
struct TestKeys {
    let privateKey: _RSA.Signing.PrivateKey
    let kid: String

    static func make(kid: String = "test-install-key-1") throws -> TestKeys {
        TestKeys(privateKey: try _RSA.Signing.PrivateKey(keySize: .bits2048), kid: kid)
    }

    var signingKey: SigningKey { .rsaPublicKey(privateKey.publicKey, kid: kid) }
    var publicKeyPEM: String { privateKey.publicKey.pemRepresentation }
}
