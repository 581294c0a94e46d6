import Foundation

/// Runs a system tool the tests and benchmarks use beside ConnectAdmin (sqlite3, pg_dump, psql,
/// redis-cli, tmux) and returns what it printed on standard output; standard error is dropped.
public enum ToolCommand {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
    }

    /// `arguments[0]` is looked up on PATH (or is a path).
    public static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self))
    }

    /// As `run`, failing the test setup when the tool exits non-zero.
    public static func output(_ arguments: [String]) throws -> String {
        let result = try run(arguments)
        guard result.status == 0 else { throw TestSetupError("\(arguments.prefix(2).joined(separator: " ")) exited \(result.status)") }
        return result.stdout
    }
}
