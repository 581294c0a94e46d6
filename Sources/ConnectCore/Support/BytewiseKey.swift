import Foundation

/// A string compared and hashed by its UTF-8 bytes.
///
/// Swift's `String` equality is Unicode canonical equivalence: `"K" == "\u{212A}"` (KELVIN
/// SIGN). A clientKey is an identifier, not text: a forged `iss` that is a canonical
/// equivalent of a real tenant's key must never share its cache slot, its folded failures
/// or its checks. Every dictionary keyed by a clientKey uses this, and every comparison of
/// identifiers uses `same`.
public struct BytewiseKey: Hashable, Sendable, CustomStringConvertible {
    public let text: String

    public init(_ text: String) { self.text = text }

    public static func == (lhs: BytewiseKey, rhs: BytewiseKey) -> Bool { same(lhs.text, rhs.text) }

    public func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        hasher.combine(0xFF as UInt8)  // never a UTF-8 byte: ends the key
    }

    public var description: String { text }

    /// Byte-order comparison of two identifiers (the order SQL's `ORDER BY` on them gives).
    public static func precedes(_ lhs: String, _ rhs: String) -> Bool { lhs.utf8.lexicographicallyPrecedes(rhs.utf8) }

    /// Byte-for-byte equality of two identifiers.
    public static func same(_ lhs: String, _ rhs: String) -> Bool {
        guard lhs.utf8.count == rhs.utf8.count else { return false }
        var lhs = lhs, rhs = rhs
        return lhs.withUTF8 { left in
            rhs.withUTF8 { right in
                guard let leftBytes = left.baseAddress, let rightBytes = right.baseAddress else { return true }  // both empty
                return memcmp(leftBytes, rightBytes, left.count) == 0
            }
        }
    }

    public static func same(_ lhs: String?, _ rhs: String?) -> Bool {
        switch (lhs, rhs) {
        case (nil, nil): return true
        case let (lhs?, rhs?): return same(lhs, rhs)
        default: return false
        }
    }
}
