import ConnectTestSupport
import AsyncHTTPClient
import Foundation
import Testing

/// connect-server's command line: bad input gets one clear message and the documented code.
@Suite struct ServerCommandLineTests {
    static func run(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = TestProducts.executable("connect-server")
        process.arguments = arguments
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("server-cli-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }

    @Test func usageErrorsExit2AndStoreErrorsExit3() throws {
        let missingBase = try Self.run(["--port", "0"])
        #expect(missingBase.0 == 2)
        #expect(missingBase.1.contains("give --base-url"))
        let badURL = try Self.run(["--port", "0", "--base-url", "https://x", "--store", "mysql://db"])
        #expect(badURL.0 == 2)
        #expect(badURL.1.contains("unknown store URL"))
        let noDirectory = try Self.run(["--port", "0", "--base-url", "https://x", "--store", "sqlite:/nonexistent-\(UUID().uuidString)/x.sqlite"])
        #expect(noDirectory.0 == 3)
        #expect(noDirectory.1.contains("check that its directory exists"))
        let badPort = try Self.run(["--port", "70000", "--base-url", "https://x"])
        #expect(badPort.0 == 2)
    }

    /// `-1` used to delete every failure, a huge value crashed on overflow.
    @Test(arguments: ["-1", "0", "36501", "99999999999999999"])
    func retentionOutsideItsRangeIsAUsageError(_ days: String) throws {
        let store = "sqlite:" + FileManager.default.temporaryDirectory.appendingPathComponent("retention-\(UUID().uuidString).sqlite").path
        let result = try Self.run(["--port", "0", "--base-url", "https://x", "--store", store, "--retention-days=\(days)"])
        #expect(result.0 == 2, "\(result.1)")
        #expect(result.1.contains("retention-days"))
    }

    @Test(arguments: [
        (["--observe"], "need --upstream"),
        (["--public", "/x/*"], "need --upstream"),
        (["--upstream", "ftp://app"], "http(s) URL"),
        (["--upstream", "http://127.0.0.1:1", "--upstream-timeout", "0"], "--upstream-timeout"),
        (["--upstream", "http://127.0.0.1:1", "--tenants-from", "ace+mysql://x"], "--tenants-from"),
        (["--log-format", "xml"], "--log-format \"xml\" is not a format"),
        (["--log-level", "loud"], "--log-level \"loud\" is not a level"),
    ] as [([String], String)])
    func optionsAreCheckedAtStart(_ example: ([String], String)) throws {
        let store = "sqlite:" + FileManager.default.temporaryDirectory.appendingPathComponent("sidecar-\(UUID().uuidString).sqlite").path
        let result = try Self.run(["--port", "0", "--base-url", "https://x", "--store", store] + example.0)
        #expect(result.0 == 2, "\(result.1)")
        #expect(result.1.contains(example.1), "\(result.1)")
    }

    /// Errors an operator meets at start are named: a missing descriptor file (exit 2), a port
    /// something else holds (exit 1).
    @Test func startErrorsNameWhatToFix() async throws {
        let store = "sqlite:" + FileManager.default.temporaryDirectory.appendingPathComponent("start-\(UUID().uuidString).sqlite").path
        let missing = try Self.run(["--port", "0", "--base-url", "https://x", "--store", store, "--descriptor", "/nonexistent/app.json"])
        #expect(missing.0 == 2, "\(missing.1)")
        #expect(missing.1.contains("--descriptor file /nonexistent/app.json"), "\(missing.1)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("start-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let tenants = directory.appendingPathComponent("tenants.json")
        try Data("[]".utf8).write(to: tenants)
        let holder = try await FixtureServer(script: "Tests/Fixtures/oauth-standin/authorization_server.py", arguments: ["--tenants", tenants.path],
                                             logDirectory: directory)
        defer { holder.stop() }
        let taken = try Self.run(["--port", String(holder.port), "--base-url", "https://x", "--store", store])
        #expect(taken.0 == 1, "\(taken.1)")
        #expect(taken.1.contains("port \(holder.port) is already in use"), "\(taken.1)")
    }

    /// `--log-format json` writes one JSON object per line, and every request gets an access
    /// line (status, path without the token, reason) unless `--no-access-log`.
    @Test(arguments: [true, false])
    func jsonLogsAndTheAccessLog(accessLog: Bool) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("logs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let out = directory.appendingPathComponent("stdout"), err = directory.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = TestProducts.executable("connect-server")
        process.arguments = ["--port", "0", "--base-url", "https://x", "--store", "sqlite:" + directory.appendingPathComponent("s.sqlite").path,
                             "--log-format", "json"] + (accessLog ? [] : ["--no-access-log"])
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        defer { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        var base: String?
        let deadline = ContinuousClock.now + .seconds(30)
        while base == nil && ContinuousClock.now < deadline {
            let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
            base = text.range(of: "http://127.0.0.1:[0-9]+", options: .regularExpression).map { String(text[$0]) }
            if base == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        let url = try #require(base, "the server did not say where it listens")
        #expect(try await HTTPClient.shared.execute(HTTPClientRequest(url: url + "/healthz"), timeout: .seconds(10)).status.code == 200)
        var refused = HTTPClientRequest(url: url + "/api/echo?jwt=not.a.token&x=1")
        refused.method = .POST
        #expect(try await HTTPClient.shared.execute(refused, timeout: .seconds(10)).status.code == 401)
        // The access line is written before the answer leaves: no waiting needed.
        let lines = try String(contentsOf: err, encoding: .utf8).split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
        }
        #expect(lines.allSatisfy { $0["time"] is String && $0["level"] is String && $0["message"] is String })
        let requests = lines.filter { $0["message"] as? String == "request" }
        if accessLog {
            #expect(requests.contains { $0["path"] as? String == "/healthz" && $0["status"] as? String == "200" })
            let line = try #require(requests.first { $0["status"] as? String == "401" })
            #expect(line["path"] as? String == "/api/echo?x=1")  // never the token
            #expect(line["reason"] as? String == "malformed_token")
            #expect(line["duration_ms"] is String)
        } else {
            #expect(requests.isEmpty)
        }
    }

    @Test func aMistypedStoreURLNeverEchoesItsPassword() throws {
        let result = try Self.run(["--port", "0", "--base-url", "https://x", "--store", "postgress://admin:hunter2-secret@db.example/connect"])
        #expect(result.0 == 2)
        #expect(!result.1.contains("hunter2"), "\(result.1)")
    }
}
