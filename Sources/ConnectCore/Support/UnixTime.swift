import Foundation

/// Whole seconds since 1970, the unit of every JWT time claim.
public enum UnixTime {
    public static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    /// The times a `--now` option takes: 1970 to the end of 9999, so that a token's `exp` and
    /// the millisecond times the store keeps cannot overflow.
    public static let range: ClosedRange<Int64> = 0...253_402_300_799

    /// Why `value` is not a time `option` takes; `nil` when it is one.
    public static func problem(_ value: Int64?, option: String) -> String? {
        guard let value, !range.contains(value) else { return nil }
        return "\(option) must be a Unix time from 0 to \(range.upperBound) (the end of the year 9999)"
    }
}
