import AdminCore
import ConnectCore

/// An install event as a table row: `connect-admin history`, the console's History list and
/// the Tenant screen's history.
enum EventColumns {
    static let all: [RecordColumn<InstallEvent>] = [
        RecordColumn(title: "TIME (UTC)", width: 16) { event, _ in RecordRendering.shortTime(event.at) },
        RecordColumn(title: "TENANT", width: 14, flexible: true, preferred: 36) { event, _ in event.clientKey },
        RecordColumn(title: "EVENT", width: 11) { event, _ in event.eventType.rawValue },
        RecordColumn(title: "OUTCOME", width: 8) { event, style in outcome(event, unicode: style.unicode) },
        RecordColumn(title: "REASON", width: 18, flexible: true, preferred: 25) { event, _ in event.reason?.rawValue ?? "" },
        RecordColumn(title: "AUTH", width: 16, minimumTerminalWidth: 100) { event, _ in event.auth },
        RecordColumn(title: "SECRET", width: 17, minimumTerminalWidth: 130) { event, style in
            secretChange(event, unicode: style.unicode, short: style.now != nil)
        },
        RecordColumn(title: "NODE", width: 8, minimumTerminalWidth: 140) { event, _ in event.node },
    ]

    /// How many identical rejected callbacks a row stands for (they are folded into one row
    /// with a count during a flood).
    static let count = RecordColumn<InstallEvent>(title: "N", width: 6) { event, _ in event.count > 1 ? "x\(event.count)" : "" }

    /// The columns for these events: N, after REASON, only when one of them stands for several
    /// callbacks; OUTCOME widened only when one went through the sidecar (`accepted → app 500`).
    /// A store without either keeps the width for the tenant.
    static func columns(for events: some Sequence<InstallEvent>) -> [RecordColumn<InstallEvent>] {
        let folded = events.contains { $0.count > 1 }, forwarded = events.contains { $0.forwarded == true }
        return all.flatMap { column -> [RecordColumn<InstallEvent>] in
            switch column.title {
            case "OUTCOME" where forwarded:
                var wide = column
                wide.width = 20
                return [wide]
            case "REASON" where folded: return [column, count]
            default: return [column]
            }
        }
    }

    /// The outcome as one word: `accepted`, `rotated` (accepted with a new secret) or `REJECTED`;
    /// behind the sidecar followed by what the app answered: `accepted → app 500`.
    static func outcome(_ event: InstallEvent, unicode: Bool) -> String {
        let ours = event.outcome == .rejected ? "REJECTED" : (event.rotatedSecret ? "rotated" : "accepted")
        guard event.forwarded == true else { return ours }
        return ours + (unicode ? " → " : " -> ") + (event.upstreamStatus.map { "app \($0)" } ?? "no answer")
    }

    /// Rejected in red; accepted by us but refused by the app behind the sidecar in yellow;
    /// a new secret highlighted.
    static func style(_ event: InstallEvent) -> Style {
        if event.outcome == .rejected { return .error }
        if event.forwarded == true && !(200..<300).contains(event.upstreamStatus ?? 0) { return .warning }
        return event.rotatedSecret ? .accent : .normal
    }

    /// `aaaabbbb→11112222`: the secret's fingerprint before and after the event (the first 8
    /// hex digits of each on screen, whole in the CLI).
    static func secretChange(_ event: InstallEvent, unicode: Bool, short: Bool) -> String {
        let length = short ? 8 : 64
        return "\(event.fingerprintBefore?.prefix(length) ?? "-")\(unicode ? "→" : "->")\(event.fingerprintAfter?.prefix(length) ?? "-")"
    }
}
