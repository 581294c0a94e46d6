import ConnectCore
/// SplitMix64: small, fast and reproducible from its seed, so generated data and simulated
/// traffic are the same on every machine for the same `--seed`.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A lower-case UUID-shaped string, as Connect clientKeys are.
    public mutating func uuid() -> String {
        let digits = Array("0123456789abcdef".utf8)
        let high = next(), low = next()
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var out = 0
            for index in 0..<32 {
                if index == 8 || index == 12 || index == 16 || index == 20 {
                    buffer[out] = UInt8(ascii: "-")
                    out += 1
                }
                let word = index < 16 ? high : low
                buffer[out] = digits[Int((word >> UInt64(60 - 4 * (index % 16))) & 0xF)]
                out += 1
            }
            return out
        }
    }

    /// An element chosen by weight.
    public mutating func weighted<T>(_ choices: [(T, Int)]) -> T {
        let total = choices.reduce(0) { $0 + $1.1 }
        var pick = Int.random(in: 0..<max(1, total), using: &self)
        for (value, weight) in choices {
            if pick < weight { return value }
            pick -= weight
        }
        return choices[choices.count - 1].0
    }
}
