import AdminCore
import CommandLineSupport
import ConnectCore
import ArgumentParser
import Foundation
import HostSimulator

/// `connect-admin simulate-host`: rehearse installs and traffic against any Connect app,
/// without a cloud site.
struct SimulateHostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate-host",
        abstract: "Act as a Connect host against an app: signed installs, rotation, disable/enable, uninstall, then traffic.",
        discussion: """
            The app must fetch install keys from this simulator: start it with \
            --install-keys-url http://127.0.0.1:<keys-port> (pick the port with --keys-port).
            """)

    @Option(help: "Where to send requests, e.g. http://127.0.0.1:8080.")
    var app: String

    @Option(name: .customLong("base-url"), help: "The app's base URL as a host knows it (its descriptor's baseUrl); default: --app.")
    var baseURL: String?

    @Option(name: .customLong("keys-port"), help: "Port for the simulator's install-keys endpoint (0 picks one).")
    var keysPort = 0

    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Simulated tenants.") var tenants = 8
    @Option(help: "How long to send traffic, e.g. 30s.") var duration = "30s"

    func run() async throws {
        let seconds = Int(try DurationArgument.duration(duration, option: "--duration").rounded(.up))
        guard app.hasPrefix("http://") || app.hasPrefix("https://") else {
            throw CommandFailure.usage("--app \(Sanitized.quote(app)) is not an http(s) URL")
        }
        let keys = try await InstallKeyServer.start(port: keysPort, kid: "simulated-host-key-\(seed)")
        Standard.output("install keys served at \(keys.url)/<kid> (the app needs --install-keys-url \(keys.url))")
        let simulator = HostSimulator(configuration: .init(
            target: app, appBaseURL: baseURL ?? app, seed: seed, tenants: tenants, duration: .seconds(seconds)),
            keys: keys, log: { Standard.output($0) })
        do {
            let summary = try await simulator.run()
            await keys.stop()
            DemoCommand.printSummary(summary, location: nil)
        } catch {
            await keys.stop()
            throw CommandFailure.negative("could not reach the app at \(app): \(error)")
        }
    }
}
