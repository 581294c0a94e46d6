import Foundation

/// Whole seconds since 1970, the unit of every JWT time claim.
public enum UnixTime {
    public static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
}
