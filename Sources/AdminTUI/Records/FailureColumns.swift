import AdminCore
import ConnectCore
import Foundation

/// An authentication failure as a table row (`connect-admin failures`, the console's Failures
/// list) and as a list of every field (the console's Failure screen).
enum FailureColumns {
    static let all: [RecordColumn<AuthFailure>] = [
        RecordColumn(title: "TIME (UTC)", width: 11) { failure, style in style.recent(failure.at) },
        RecordColumn(title: "TENANT", width: 14, flexible: true, preferred: 36) { failure, _ in failure.clientKey ?? "-" },
        // 23: the longest code a request can be refused with (25 is a lifecycle payload's, in history).
        RecordColumn(title: "REASON", width: 17, flexible: true, preferred: 23) { failure, _ in failure.reason.rawValue },
        RecordColumn(title: "N", width: 4) { failure, _ in failure.count > 1 ? "x\(failure.count)" : "" },
        // The request and its detail share the room a wider terminal gives: two webhooks are
        // told apart by their paths.
        RecordColumn(title: "REQUEST", width: 16, flexible: true, share: 1) { failure, _ in "\(failure.method) \(failure.path)" },
        RecordColumn(title: "DETAIL", width: 17, flexible: true, share: 1, minimumTerminalWidth: 100) { failure, _ in failure.detail },
        RecordColumn(title: "NODE", width: 8, minimumTerminalWidth: 130) { failure, _ in failure.node },
    ]

    /// Every field of a failure, for people, in the order they help: what, who, which request,
    /// which token, from where.
    static func fields(_ failure: AuthFailure) -> [(String, String)] {
        func time(_ seconds: Int64?) -> String {
            seconds.map { "\($0)  (\(RecordRendering.iso(Date(timeIntervalSince1970: TimeInterval($0)))))" } ?? "-"
        }
        return [
            ("time", RecordRendering.iso(failure.at)),
            ("reason", failure.reason.rawValue),
            ("tenant", failure.clientKey ?? "- (no tenant could be read from the token)"),
            ("request", "\(failure.method) \(failure.path)"),
            ("count", failure.count > 1 ? "\(failure.count) (identical failures folded into this row)" : "1"),
            ("token", failure.tokenFingerprint.map { "fingerprint \($0)" } ?? "-"),
            ("alg", failure.alg ?? "-"),
            ("kid", failure.kid ?? "-"),
            ("exp", time(failure.exp)),
            ("iat", time(failure.iat)),
            ("remote", failure.remoteAddress ?? "-"),
            ("user agent", failure.userAgent ?? "-"),
            ("node", failure.node),
            ("id", String(failure.id)),
        ]
    }
}
