import AdminCore
import ConnectCore
import ArgumentParser
import Foundation

/// `connect-admin`: the root command.
struct ConnectAdminCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect-admin",
        abstract: "Operator console and CLI for Atlassian Connect apps: tenants, install history, JWT failures, a token lab.",
        discussion: "With no subcommand it opens the console on the store. Exit codes: 0 ok, 1 negative answer (e.g. an invalid token), 2 usage error, 3 store unreachable or unreadable.",
        version: ConnectAdminVersion.current,
        subcommands: [DemoCommand.self, SimulateHostCommand.self, TenantsCommand.self, HistoryCommand.self, FailuresCommand.self, SecretCommand.self,
                      JWTCommand.self, StoreCommand.self, DevCommand.self]
    )

    @OptionGroup var storeOptions: StoreOptions

    @Flag(name: .customLong("no-mouse"), help: "Leave the mouse to the terminal (text selection) instead of clicks and the wheel.")
    var noMouse = false

    /// No subcommand: the console, on a terminal.
    func run() throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw CLIFailure.usage("the console needs a terminal; for scripts use a subcommand (see `connect-admin --help`)")
        }
        guard ProcessInfo.processInfo.environment["TERM"].map({ !$0.isEmpty && $0 != "dumb" }) ?? false else {
            throw CLIFailure.usage("the console needs a terminal type: set TERM (e.g. TERM=xterm-256color)")
        }
        ConsoleRuntime(location: try storeOptions.location, keyRing: try storeOptions.keyRing, mouse: !noMouse).run()
    }

    /// Runs the command line and exits with the design page's exit codes (ArgumentParser's
    /// own default for usage errors is 64; ours is 2).
    static func runMain(_ arguments: [String]) async -> Never {
        do {
            var command = try parseAsRoot(StoreOptions.movingStoreOptionAfterSubcommand(arguments))
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Foundation.exit(0)
        } catch let failure as CLIFailure {
            if !failure.message.isEmpty { Standard.error(failure.message) }
            Foundation.exit(failure.exitCode)
        } catch let error as StoreError {
            Standard.error(error.message)
            Foundation.exit(error.kind == .usage ? CLIFailure.usageExitCode : CLIFailure.storeExitCode)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            if let exit = error as? ExitCode { Foundation.exit(exit.rawValue) }
            Standard.error(fullMessage(for: error))
            Foundation.exit(CLIFailure.usageExitCode)
        }
    }
}

/// `connect-admin jwt …`: the token lab on the command line.
struct JWTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jwt",
        abstract: "Compute qsh values, sign, verify, exchange and decode Connect JWTs and act-as-user assertions.",
        subcommands: [QSHCommand.self, SignCommand.self, VerifyCommand.self, ExchangeCommand.self, DecodeCommand.self]
    )
}
