import Foundation

/// A small server from `Tests/Fixtures` (a Python script) started on a free loopback port:
/// the script prints `listening on PORT` as its first line. Stopped with SIGKILL, since a child
/// of the test runner starts with the runner thread's signals blocked and SIGTERM could wait.
public final class FixtureServer: @unchecked Sendable {
    public let process = Process()
    public let port: Int

    /// `python`: the interpreter (a venv's, for scripts with PyPI packages); `script` is
    /// relative to the package root.
    public init(python: String = "/usr/bin/env", script: String, arguments: [String], logDirectory: URL) async throws {
        let out = logDirectory.appendingPathComponent("stdout-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: python)
        let path = TestProducts.packageRoot.appendingPathComponent(script).path
        process.arguments = (python == "/usr/bin/env" ? ["python3", path] : [path]) + arguments
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        var found: Int?
        while found == nil && ContinuousClock.now < deadline && process.isRunning {
            let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
            found = text.split(separator: "\n").first.flatMap { Int($0.replacingOccurrences(of: "listening on ", with: "")) }
            if found == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        guard let found else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            throw TestSetupError("\(script) did not start listening")
        }
        port = found
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
