import Foundation

/// A real `connect-server` process on a free loopback port, for end-to-end tests of the
/// binary: its base URL and its output files. Stopped by the caller.
public final class ServerProcess: @unchecked Sendable {
    public let process: Process
    public let url: String
    public let stdout: URL
    public let stderr: URL

    private init(process: Process, url: String, stdout: URL, stderr: URL) {
        self.process = process
        self.url = url
        self.stdout = stdout
        self.stderr = stderr
    }

    /// Starts `connect-server --port 0 <arguments>` and waits (30 s at most) until it says
    /// where it listens. `openFiles`: run it with that limit on open files (util-linux's
    /// `prlimit`, which then runs it in its own place).
    public static func start(_ arguments: [String], environment: [String: String] = [:], openFiles: Int? = nil) async throws -> ServerProcess {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let out = directory.appendingPathComponent("stdout"), err = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        if let openFiles {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
            process.arguments = ["--nofile=\(openFiles):\(openFiles)", TestProducts.executable("connect-server").path, "--port", "0"] + arguments
        } else {
            process.executableURL = TestProducts.executable("connect-server")
            process.arguments = ["--port", "0"] + arguments
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        var base: String?
        let deadline = ContinuousClock.now + .seconds(30)
        while base == nil && ContinuousClock.now < deadline && process.isRunning {
            let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
            // "listening on http://127.0.0.1:PORT", or with --log-format json "url":"http://127.0.0.1:PORT".
            base = text.range(of: "(listening on |\"url\":\")http://127.0.0.1:[0-9]+", options: .regularExpression)
                .map { String(text[$0]).replacingOccurrences(of: "listening on ", with: "").replacingOccurrences(of: "\"url\":\"", with: "") }
            if base == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        guard let base else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TestSetupError("connect-server did not say where it listens: \((try? String(contentsOf: err, encoding: .utf8)) ?? "")")
        }
        return ServerProcess(process: process, url: base, stdout: out, stderr: err)
    }

    public var errorOutput: String { (try? String(contentsOf: stderr, encoding: .utf8)) ?? "" }

    /// The port it listens on.
    public var port: Int { Int(url.split(separator: ":").last ?? "") ?? 0 }

    /// The CPU time it has used so far, in seconds (Linux's `/proc/PID/stat`).
    public var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        // After the command's name: state is field 3, utime 14 and stime 15, in clock ticks.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// SIGTERM, then waits for the process to exit.
    public func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
