/// Failures per minute over the last 30 minutes: the header's number and the Failures
/// screen's sparkline, from one answer, so the two always agree.
struct FailureRate: Sendable, Equatable {
    /// Oldest first; the last entry is the current (incomplete) minute.
    var perMinute: [Int] = Array(repeating: 0, count: 30)

    /// The last complete minute: the rate shown.
    var lastMinute: Int { perMinute.count > 1 ? perMinute[perMinute.count - 2] : 0 }

    /// The label everywhere the rate is shown.
    var label: String { "\(lastMinute) fail/min (last min)" }
}
