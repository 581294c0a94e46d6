import AdminCore
import CommandLineSupport
import ConnectCore
import Foundation

/// Durations on the command line: `90s`, `15m`, `1h`, `2d` (a bare number is seconds), and
/// for `--since` also an ISO 8601 time.
enum DurationArgument {
    /// The longest duration taken: 100 years (longer ones reach past the times a store keeps).
    static let maximum: TimeInterval = 100 * 365 * 86_400

    /// The seconds in `text`, or `nil` when it is not a non-negative duration of at most `maximum`.
    static func seconds(_ text: String) -> TimeInterval? {
        if let value = Double(text), value >= 0, value <= maximum { return value }
        let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        guard let unit = text.last, let factor = units[unit], let amount = Double(text.dropLast()), amount >= 0, amount * factor <= maximum else {
            return nil
        }
        return amount * factor
    }

    /// A positive duration for `option`, or a usage error naming it.
    static func duration(_ text: String, option: String) throws -> TimeInterval {
        guard let seconds = seconds(text), seconds > 0 else {
            throw CommandFailure.usage("\(option) \(Sanitized.quote(text)) is not a duration of up to 100 years: use e.g. 90s, 15m, 1h or 2d")
        }
        return seconds
    }

    /// The time `text` names: an ISO 8601 time, or that long before `now`.
    static func since(_ text: String, option: String = "--since", now: Date = Date()) throws -> Date {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        guard let seconds = seconds(text) else {
            throw CommandFailure.usage("\(option) \(Sanitized.quote(text)) is not a duration (up to 100 years) or time: use e.g. 90s, 15m, 1h, 2d or 2026-11-29T04:00:00Z")
        }
        return now.addingTimeInterval(-seconds)
    }
}
