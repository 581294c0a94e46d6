import AdminCore
import ArgumentParser
import ConnectCore
import Foundation

/// The exit codes both binaries document: 0 done, 1 the answer is "no" (an invalid token; for
/// connect-server, the port is taken), 2 the command line or an input needs fixing, 3 the
/// store cannot be opened or read.
public enum ExitStatus: Int32, Sendable {
    case success = 0
    case negative = 1
    case usage = 2
    case store = 3

    /// A store's failure: 2 when what the user gave is wrong (a malformed URL, a missing key),
    /// 3 when the store is.
    public init(_ error: StoreError) {
        self = error.kind == .usage ? .usage : .store
    }
}

/// A failure that says how the process ends: one sentence for stderr (none when it was said
/// already) and the exit status.
public struct CommandFailure: Error, Sendable {
    public var message: String
    public var status: ExitStatus

    public init(_ message: String, _ status: ExitStatus) {
        self.message = message
        self.status = status
    }

    /// Exit 1: the command worked and the answer is "no" (an invalid token, a stale secret).
    public static func negative(_ message: String = "") -> CommandFailure { CommandFailure(message, .negative) }
    /// Exit 2: the command line or an input file needs fixing.
    public static func usage(_ message: String) -> CommandFailure { CommandFailure(message, .usage) }
    /// Exit 3: the store cannot be reached or read.
    public static func store(_ message: String) -> CommandFailure { CommandFailure(message, .store) }
}

/// Runs a command line and exits: the one place either binary turns an error into what it
/// prints and its exit status (ArgumentParser's own default for usage errors is 64; ours is 2).
public enum CommandMain {
    public static func run<Command: ParsableCommand>(_ type: Command.Type, arguments: [String]) async -> Never {
        do {
            var command = try type.parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit(ExitStatus.success.rawValue)
        } catch let failure as CommandFailure {
            if !failure.message.isEmpty { say(failure.message) }
            exit(failure.status.rawValue)
        } catch let error as StoreError {
            say(error.message)
            exit(ExitStatus(error).rawValue)
        } catch {
            if type.exitCode(for: error) == .success {
                // --help, --version.
                print(type.fullMessage(for: error))
                exit(ExitStatus.success.rawValue)
            }
            if let code = error as? ExitCode { exit(code.rawValue) }
            say(type.fullMessage(for: error))
            exit(ExitStatus.usage.rawValue)
        }
    }

    /// On stderr, each line's control characters escaped (a message may quote hostile input).
    private static func say(_ message: String) {
        let lines = message.split(separator: "\n", omittingEmptySubsequences: true).map { Sanitized.escape(String($0)) }
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}
