import Foundation
import ConnectCore

/// Times in the store: integer milliseconds since 1970, UTC, on both backends.
enum StoreTime {
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// A duration in whole milliseconds (deadlines and statement timeouts).
    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    /// A time as a statement argument (`NULL` when unknown; our own columns refuse it).
    static func value(_ date: Date?) -> SQLValue {
        date.map { .integer(milliseconds($0)) } ?? .null
    }

    static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
    }
}
