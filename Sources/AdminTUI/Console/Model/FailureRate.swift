/// The failure rate: the header's number and the Failures screen's sparkline, from one
/// answer, so the two always agree.
struct FailureRate: Sendable, Equatable {
    /// Failures per clock minute over the last 30 minutes, oldest first; the last entry is the
    /// current (incomplete) minute. The sparkline.
    var perMinute: [Int] = Array(repeating: 0, count: 30)

    /// Failures in the 60 seconds before the header was read: the rate shown. Not the last
    /// complete clock minute, which read 0 for most of a minute after failures had started.
    var lastSixtySeconds = 0

    /// The label everywhere the rate is shown.
    var label: String { "\(lastSixtySeconds) fail/min (last 60 s)" }
}
