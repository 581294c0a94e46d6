import AdminCore
import CommandLineSupport
import ConnectCore

extension CommandFailure {
    /// A stored secret this command needs and cannot open: exit 2 when a key file is missing
    /// (the command line needs fixing), 3 when the stored value is tampered or plain where
    /// sealed ones are required (the store needs fixing).
    static func secret(_ reason: SecretUnavailable, suffix: String = "") -> CommandFailure {
        if case .missingKey = reason.kind { return usage(reason.message + suffix) }
        return store(reason.message + suffix)
    }
}
