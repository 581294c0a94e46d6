import AdminCore
import ConnectCore
import Testing

/// Property: a valid token changed in any way never crashes the verifier and never verifies.
@Suite struct TokenMutationPropertyTests {
    /// SplitMix64: a tiny seeded generator, so a failure reproduces from its seed.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ %\u{0}\u{1b}é".utf8)

    static func mutate(_ token: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var bytes = token
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            guard !bytes.isEmpty else { break }
            let index = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<7, using: &rng) {
            case 0: bytes[index] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
            case 1: bytes.remove(at: index)
            case 2: bytes.insert(alphabet.randomElement(using: &rng) ?? 0x41, at: index)
            case 3: bytes[index] = alphabet.randomElement(using: &rng) ?? 0x41
            case 4: bytes.removeSubrange(index...)
            case 5:
                let other = Int.random(in: 0..<bytes.count, using: &rng)
                bytes.swapAt(index, other)
            default:
                let end = min(bytes.count, index + Int.random(in: 1...12, using: &rng))
                bytes.insert(contentsOf: bytes[index..<end], at: index)
            }
        }
        return bytes
    }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func mutatedTokensNeverVerify(seed: UInt64) {
        var rng = SeededGenerator(state: seed)
        let request = TestSupport.request()
        let original = Array(TestSupport.validToken(request: request, extra: JSONObject(["context": .object(JSONObject(["user": .object(JSONObject(["accountId": .string("5b10a2844c20165700ede21g")]))]))])).utf8)
        #expect(TestSupport.verify(String(decoding: original, as: UTF8.self), request: request).valid)
        var rejected = 0
        for _ in 0..<2500 {
            let mutated = Self.mutate(original, &rng)
            guard mutated != original else { continue }
            let text = String(decoding: mutated, as: UTF8.self)
            guard Array(text.utf8) == mutated else { continue }  // not valid UTF-8: cannot reach us as a String
            let report = TestSupport.verify(text, request: request)
            #expect(!report.valid, "seed \(seed): \(text)")
            #expect(report.firstFailure != nil)
            rejected += 1
        }
        #expect(rejected > 2000)
    }
}
