import ConnectCore
/// How a store keeps its shared secrets (current and past): how many are sealed under each
/// key id, how many are still plain. `store info` shows it; the server checks it at start.
public struct SealingSummary: Sendable, Equatable {
    public var plain: Int
    /// Values per key id.
    public var sealed: [String: Int]

    public init(plain: Int = 0, sealed: [String: Int] = [:]) {
        self.plain = plain
        self.sealed = sealed
    }

    public var total: Int { plain + sealed.values.reduce(0, +) }
    public var keyIDs: [String] { sealed.keys.sorted() }

    /// Key ids in use that `ring` does not hold.
    public func missingKeyIDs(in ring: SecretKeyRing) -> [String] {
        keyIDs.filter { ring.key(id: $0) == nil }
    }
}
