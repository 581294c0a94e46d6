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
}
