import AdminCore
import CommandLineSupport
import CommandLineSupport
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
            throw CommandFailure.usage("the console needs a terminal; for scripts use a subcommand (see `connect-admin --help`)")
        }
        guard ProcessInfo.processInfo.environment["TERM"].map({ !$0.isEmpty && $0 != "dumb" }) ?? false else {
            throw CommandFailure.usage("the console needs a terminal type: set TERM (e.g. TERM=xterm-256color)")
        }
        ConsoleRuntime(location: try storeOptions.location, keyRing: try storeOptions.keyRing, mouse: !noMouse).run()
    }

    /// Runs the command line and exits with the documented exit codes.
    static func runMain(_ arguments: [String]) async -> Never {
        await CommandMain.run(Self.self, arguments: StoreOptions.movingStoreOptionAfterSubcommand(arguments))
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
