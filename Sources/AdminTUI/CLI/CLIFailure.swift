import AdminCore
import ConnectCore

/// A command's failure: one sentence for stderr and the documented exit code.
struct CLIFailure: Error {
    static let negativeExitCode: Int32 = 1
    static let usageExitCode: Int32 = 2
    static let storeExitCode: Int32 = 3

    var message: String
    var exitCode: Int32

    /// Exit 1: the command worked and the answer is "no" (an invalid token, a stale secret).
    static func negative(_ message: String = "") -> CLIFailure { CLIFailure(message: message, exitCode: negativeExitCode) }
    /// Exit 2: the command line or an input file needs fixing.
    static func usage(_ message: String) -> CLIFailure { CLIFailure(message: message, exitCode: usageExitCode) }
    /// Exit 3: the store cannot be reached or read.
    static func store(_ message: String) -> CLIFailure { CLIFailure(message: message, exitCode: storeExitCode) }
    /// A stored secret this command needs and cannot open: exit 2 when a key file is missing
    /// (the command line needs fixing), 3 when the stored value is tampered or plain where
    /// sealed ones are required (the store needs fixing).
    static func secret(_ reason: SecretUnavailable, suffix: String = "") -> CLIFailure {
        if case .missingKey = reason.kind { return usage(reason.message + suffix) }
        return store(reason.message + suffix)
    }
}
