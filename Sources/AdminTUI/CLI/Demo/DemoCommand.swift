import AdminCore
import CommandLineSupport
import ConnectCore
import ArgumentParser
import ConnectServerKit
import Foundation
import HostSimulator
import Hummingbird
import Logging

/// `connect-admin demo`: the whole system in one command — a store, a real connect-server on
/// loopback, a simulated Connect host talking to it over HTTP, and the console on top.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run connect-server, a simulated Connect host and the console together, on a temporary store.")

    /// `--store` (optional here): without it the demo uses a temporary SQLite file.
    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "Random seed for the simulated host: the same seed gives the same tenants and traffic mix.")
    var seed: UInt64 = 1

    @Flag(help: "No console: run the simulation for --duration and print a summary.")
    var headless = false

    @Option(help: "How long the simulated traffic runs (headless), e.g. 10s or 2m.")
    var duration: String = "10s"

    @Option(help: "Simulated tenants.")
    var tenants = 8

    @Option(name: .customLong("sample-file"), help: "Write a sample of valid tokens (secret, method, URL, token) here, for cross-checks.")
    var sampleFile: String?

    @Flag(name: .customLong("no-mouse"), help: "Leave the mouse to the terminal (text selection) instead of clicks and the wheel.")
    var noMouse = false

    func validate() throws {
        guard tenants >= 1 && tenants <= 1000 else { throw ValidationError("--tenants must be 1 to 1000") }
    }

    func run() async throws {
        let seconds = Int(try DurationArgument.duration(duration, option: "--duration").rounded(.up))
        if !headless && (isatty(STDIN_FILENO) != 1 || isatty(STDOUT_FILENO) != 1) {
            throw CommandFailure.usage("the demo's console needs a terminal; run `connect-admin demo --headless` for a summary instead")
        }
        let location: StoreLocation
        if let store = storeOptions.store {
            location = try StoreLocation.named(store)
        } else {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("connect-admin-demo-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            location = .sqlite(path: directory.appendingPathComponent("demo.sqlite").path)
        }
        let say: @Sendable (String) -> Void = { line in if headless { Standard.output(line) } }

        // 1. The host's install keys, 2. the app, on loopback.
        let keys = try await InstallKeyServer.start(kid: "demo-install-key-\(seed)")
        let appBaseURL = "https://demo-app.connect-admin.test"
        var logger = Logger(label: "connect-server")
        logger.logLevel = .error
        let serverStore = try await ConnectStore.open(location)
        let server = try ConnectServerApp(
            configuration: ServerConfiguration(store: location, port: 0, baseURLs: [appBaseURL], installKeysURL: keys.url, node: "demo"),
            store: serverStore, logger: logger)
        let running = try await RunningConnectServer.start(server)
        let port = running.port
        say("connect-server on http://127.0.0.1:\(port) (base URL \(appBaseURL)), store \(location)")

        // 3. The simulated host.
        let simulator = HostSimulator(configuration: .init(
            target: "http://127.0.0.1:\(port)", appBaseURL: appBaseURL, seed: seed, tenants: tenants,
            duration: headless ? .seconds(seconds) : .seconds(365 * 86_400), sampleFile: sampleFile), keys: keys, log: say)

        if headless {
            let summary = try await simulator.run()
            await running.stop()
            await keys.stop()
            await serverStore.close()
            Self.printSummary(summary, location: location)
            return
        }

        // 4. The console on the live store, while the host keeps sending traffic.
        let simulation = Task { try await simulator.run() }
        ConsoleRuntime(location: location, mouse: !noMouse).run()
        simulation.cancel()
        _ = await simulation.result
        await running.stop()
        await keys.stop()
        await serverStore.close()
        Standard.output("\ndemo stopped; the store is at \(location)")
    }

    static func printSummary(_ summary: HostSimulator.Summary, location: StoreLocation?) {
        let installed = Set(summary.installs.filter { $0.event == .installed && $0.status == 204 }.map(\.clientKey)).count
        Standard.output("summary")
        Standard.output("  tenants installed: \(installed)")
        Standard.output("  lifecycle callbacks: \(summary.installs.count) (\(summary.installs.filter { $0.status == 204 }.count) accepted, \(summary.installs.filter { $0.status != 204 }.count) rejected)")
        for call in summary.installs where call.status != 204 {
            Standard.output("    rejected \(call.event.rawValue) \(call.clientKey): \(call.reason ?? "?")\(call.hijack ? " (hijack attempt)" : "")")
        }
        Standard.output("  requests sent: \(summary.requestsSent) (\(summary.accepted) accepted)")
        Standard.output("  failures by reason:")
        for (reason, count) in summary.failuresByReason.sorted(by: { $0.key < $1.key }) {
            Standard.output("    \(reason) \(count)")
        }
        if summary.unexplained > 0 { Standard.output("  refused without a reason: \(summary.unexplained)") }
        if let location { Standard.output("store: \(location)") }
    }
}
