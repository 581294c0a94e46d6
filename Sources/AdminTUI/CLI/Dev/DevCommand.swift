import AdminCore
import CommandLineSupport
import ConnectCore
import ArgumentParser
import Foundation

/// `connect-admin dev …`: tools for developing and benchmarking ConnectAdmin itself.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev", abstract: "Developer tools: generate a store.", subcommands: [Seed.self, WriteInstalls.self])

    struct Seed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fill a store with realistic generated tenants, install events and auth failures.")

        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "Tenants to generate.") var tenants = 1000
        @Option(help: "Auth failures to generate.") var failures = 10_000
        @Option(help: "Install events to generate (at least one per tenant).") var events = 2000
        @Option(help: "Random seed: the same seed gives the same data.") var seed: UInt64 = 1

        func validate() throws {
            guard tenants >= 0, failures >= 0, events >= 0 else { throw ValidationError("counts must be 0 or more") }
            guard tenants <= 10_000_000, failures <= 100_000_000, events <= 100_000_000 else {
                throw ValidationError("dev seed makes at most 10000000 tenants and 100000000 failures or events")
            }
        }

        func run() async throws {
            let start = ContinuousClock.now
            try await storeOptions.withWriter { store in
                // Seeded tenants have secrets anyone can regenerate from the seed: never mix
                // them into a store that serves real tenants.
                if let served = try await store.servedBy() {
                    throw CommandFailure.usage("\(store.location) has been served by connect-server (node \(Sanitized.quote(served.node)), \(RecordRendering.iso(served.at))): seed a new, empty store instead (dev seed never writes into a live one)")
                }
                let real = try await store.tenantCount(excludingAddonKey: StoreSeeder.addonKey)
                guard real == 0 else {
                    throw CommandFailure.usage("\(store.location) holds \(real) tenant\(real == 1 ? "" : "s") that dev seed did not create: seed a new, empty store instead (dev seed never writes into a live one)")
                }
                try await StoreSeeder(tenants: tenants, failures: failures, events: events, seed: seed)
                    .run(into: store) { line in Standard.error(line) }
            }
            Standard.output("seeded \(try storeOptions.location): \(tenants) tenants, \(max(events, tenants)) install events, \(failures) failures in \(ContinuousClock.now - start)")
        }
    }

    /// Writes install decisions one by one, as fast as it can: the crash-safety test kills it
    /// with SIGKILL part-way and checks the store.
    struct WriteInstalls: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "write-installs", shouldDisplay: false)

        @OptionGroup var storeOptions: StoreOptions
        @Option var count = 100_000

        func run() async throws {
            try await storeOptions.withWriter { store in
                for index in 0..<count {
                    let now = Date()
                    let clientKey = "crash-test-\(index % 500)"
                    let secret = SharedSecret("secret-\(index)-" + String(repeating: "x", count: 32))
                    let tenant = Tenant(clientKey: clientKey, addonKey: "crash", baseUrl: "https://t\(index % 500).example", productType: "jira",
                                        secret: .open(secret), state: .installed, installedAt: now, updatedAt: now)
                    let event = InstallEvent(at: now, node: "crash", clientKey: clientKey, eventType: .installed, outcome: .accepted,
                                             auth: "rs256:crash", fingerprintAfter: secret.fingerprint, baseUrl: tenant.baseUrl)
                    try await store.record(InstallDecision(event: event, tenant: tenant))
                    if index == 20 { Standard.output("writing"); Standard.flush() }
                }
            }
        }
    }
}
