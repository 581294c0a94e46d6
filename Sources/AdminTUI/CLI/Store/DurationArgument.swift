import Foundation

/// `--since 90s | 15m | 1h | 2d | 2026-11-29T04:00:00Z`.
enum DurationArgument {
    static func since(_ text: String, now: Date = Date()) throws -> Date {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        guard let unit = text.last, let seconds = units[unit], let amount = Double(text.dropLast()), amount >= 0, amount.isFinite else {
            throw CLIFailure.usage("--since \(text) is not a duration or time: use e.g. 90s, 15m, 1h, 2d or 2026-11-29T04:00:00Z")
        }
        return now.addingTimeInterval(-amount * seconds)
    }
}
