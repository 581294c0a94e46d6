import AdminCore
import ConnectCore
import Crypto
import Foundation
import Testing

/// RFC 7515 appendix A.1 (HS256 JWS) and RFC 4231 (HMAC-SHA256) test vectors.
@Suite struct RFCVectorTests {
    // RFC 7515 A.1: the header and payload contain CR LF and spaces, so the signature only
    // verifies over the original bytes, never over a re-encoding.
    static let headerA1 = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    static let payloadA1 = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    static let signatureA1 = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let keyA1 = SharedSecret(bytes: Base64URL.decode(Array(
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow".utf8)) ?? [])
    static let tokenA1 = "\(headerA1).\(payloadA1).\(signatureA1)"
    static let expA1: Int64 = 1_300_819_380

    static func verifyA1(_ token: String, now: Int64 = expA1 - 10) -> VerificationReport {
        ConnectTokenVerifier().verify(token, expecting: TokenExpectation(), now: now) { _ in
            .found(.sharedSecret(keyA1), source: "RFC 7515 A.1 key")
        }
    }

    @Test func a1VerifiesOverOriginalBytes() throws {
        #expect(Self.keyA1.byteCount == 64)
        let report = Self.verifyA1(Self.tokenA1)
        let signature = try #require(report.checks.first { $0.name == .signature })
        #expect(signature.ok)
        #expect(report.checks.first { $0.name == .expiry }?.ok == true)
        #expect(report.claims?["iss"] == .string("joe"))
        // A.1 carries no `iat`, which the Connect profile requires: that is the only failure.
        #expect(report.failures.map(\.reason) == [.missingClaim])
    }

    @Test func a1ExpiresWithTheInjectedClock() {
        let report = Self.verifyA1(Self.tokenA1, now: Self.expA1 + 61)
        #expect(report.failures.map(\.reason).contains(.expired))
        #expect(report.checks.first { $0.name == .signature }?.ok == true)
    }

    @Test func a1ReencodedDoesNotVerify() throws {
        // Decoding and re-encoding the JSON drops the CR LF: the signature must then fail.
        let token = try ConnectToken.decode(Self.tokenA1)
        let reencoded = ConnectTokenSigner.signingInput(header: token.header, claims: token.claims) + "." + Self.signatureA1
        let report = Self.verifyA1(reencoded)
        #expect(report.checks.first { $0.name == .signature }?.reason == .badSignature)
    }

    @Test func a1AlgNoneTwinIsRejected() {
        let noneHeader = TestSupport.b64("{\"alg\":\"none\"}")
        for token in ["\(noneHeader).\(Self.payloadA1).", "\(noneHeader).\(Self.payloadA1).\(Self.signatureA1)"] {
            let report = Self.verifyA1(token)
            #expect(!report.valid)
            #expect(report.firstFailure?.reason == .unsupportedAlgorithm)
        }
    }

    @Test(arguments: [
        ("padding on the signature", "\(headerA1).\(payloadA1).\(signatureA1)="),
        ("padding on the header", "\(headerA1)=.\(payloadA1).\(signatureA1)"),
        ("'+' for '-'", "\(headerA1).\(payloadA1).\(signatureA1.replacingOccurrences(of: "-", with: "+"))"),
        ("'/' for '_'", "\(headerA1).\(payloadA1).\(signatureA1.replacingOccurrences(of: "_", with: "/"))"),
        // 'k' (0b100100) ends the 43-char signature; 'l' sets an unused low bit.
        ("non-canonical tail", "\(headerA1).\(payloadA1).\(String(signatureA1.dropLast()))l"),
        ("trailing dot", "\(headerA1).\(payloadA1).\(signatureA1)."),
    ])
    func a1MalformedVariantsAreRejected(_ variant: (String, String)) {
        let report = Self.verifyA1(variant.1)
        #expect(!report.valid, "\(variant.0)")
        #expect(report.firstFailure?.reason == .malformedToken, "\(variant.0)")
    }

    @Test func nonCanonicalTailIsReallyTheSameBytesElsewhere() {
        // Guard for the test above: a lenient decoder would read both tails as the same bytes.
        #expect(RFCVectorTests.signatureA1.hasSuffix("k"))
        #expect(Base64URL.decode(Array(String(Self.signatureA1.dropLast()).appending("l").utf8)) == nil)
        #expect(Base64URL.decode(Array(Self.signatureA1.utf8))?.count == 32)
    }

    // RFC 4231 §4.2–4.5, HMAC-SHA-256 outputs.
    @Test(arguments: [
        ([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        ([UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        (Array(UInt8(1)...UInt8(25)), [UInt8](repeating: 0xcd, count: 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
    ])
    func rfc4231(_ vector: ([UInt8], [UInt8], String)) {
        let secret = SharedSecret(bytes: vector.0)
        let mac = HS256.authenticationCode(for: vector.1, secret: secret)
        #expect(Hex.encode(mac) == vector.2)
        #expect(HS256.isValid(mac, for: vector.1, secret: secret))
        var flipped = mac
        flipped[0] ^= 1
        #expect(!HS256.isValid(flipped, for: vector.1, secret: secret))
    }

    /// HS256 is RFC 2104 written over SHA-256 (for speed); it must agree with swift-crypto's
    /// HMAC on every key length (empty, under, at and over the 64-byte block) and message.
    @Test func agreesWithSwiftCryptoHMACOnRandomKeysAndMessages() {
        var random = SeededRandom(seed: 4231)
        for round in 0..<2_000 {
            let keyLength = [0, 1, 31, 32, 63, 64, 65, 131][round % 8] + (round % 3 == 0 ? Int(random.next() % 8) : 0)
            let key = (0..<keyLength).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let message = (0..<Int(random.next() % 300)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let expected = Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
            let secret = SharedSecret(bytes: key)
            #expect(HS256.authenticationCode(for: message, secret: secret) == expected, "key \(keyLength) bytes, message \(message.count)")
            #expect(HS256.isValid(expected, for: message, secret: secret))
        }
    }
}

