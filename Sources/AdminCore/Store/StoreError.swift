import ConnectCore
/// Why the store could not do what was asked, in one sentence naming what to fix.
///
/// Every kind but `usage` maps to the CLI's exit code 3 ("store unreachable or unreadable").
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The store URL itself is wrong.
        case usage
        /// No server, wrong password, no such file.
        case unreachable
        /// Reachable, but not a readable ConnectAdmin store (not SQLite, corrupted, a directory).
        case unreadable
        /// The store's schema is newer than this program.
        case schemaTooNew
        /// The store's schema is older than this program and must be migrated.
        case schemaTooOld
        /// A statement failed (constraint, timeout, lost connection).
        case failed
        /// A guarded write found the row changed since it was read: decide again.
        case conflict
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
