import AdminCore
import ConnectCore
import ArgumentParser
import ConnectTestSupport
import Foundation

/// The live tail's latency as an operator sees it: a failure is recorded the way
/// connect-server records one (`ConnectStore.record`, the same transaction and notification),
/// and the clock runs from its commit until the console's screen, read through tmux, shows it.
/// `scripts/bench-console.sh` starts the console on the Failures screen and runs this.
struct TailBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail", abstract: "Live tail latency: failure committed to failure drawn by a console in tmux.")

    @Option(help: "The store the console reads (written to: one failure row per sample).")
    var store: String

    @Option(help: "The tmux server socket name (tmux -L) the console runs under.")
    var tmuxSocket: String

    @Option(help: "The tmux pane showing the console's Failures screen, following.")
    var pane = "bench"

    @Option(help: "Samples; p50, p95 and p99 are reported.")
    var samples = 100

    @Flag(help: "Print one JSON object (tailP50Ms, tailP95Ms, tailP99Ms, samples) instead of the lines.")
    var json = false

    /// How long one sample may take before the run fails (a console that never shows the row).
    static let sampleDeadline: Duration = .seconds(20)

    func run() async throws {
        guard samples > 0 else { throw ValidationError("--samples must be at least 1") }
        let location = try StoreLocation.named(store)
        let writer = try await ConnectStore.open(location)
        var latencies: [Double]
        do {
            latencies = try await measure(writer)
        } catch {
            await writer.close()
            throw error
        }
        await writer.close()
        latencies.sort()
        let p50 = Self.percentile(latencies, 0.50), p95 = Self.percentile(latencies, 0.95), p99 = Self.percentile(latencies, 0.99)
        if json {
            print(#"{"tailP50Ms":\#(JWTBenchmark.rounded(p50)),"tailP95Ms":\#(JWTBenchmark.rounded(p95)),"tailP99Ms":\#(JWTBenchmark.rounded(p99)),"samples":\#(samples)}"#)
        } else {
            print("tail latency over \(samples) samples (committed to drawn): p50 \(JWTBenchmark.rounded(p50)) ms, p95 \(JWTBenchmark.rounded(p95)) ms, p99 \(JWTBenchmark.rounded(p99)) ms, max \(JWTBenchmark.rounded(latencies.last ?? 0)) ms")
        }
    }

    /// One latency per sample, in milliseconds.
    private func measure(_ writer: ConnectStore) async throws -> [Double] {
        let run = String(Int.random(in: 46_656..<1_679_616), radix: 36)  // four base-36 digits
        var latencies: [Double] = []
        for index in 0..<samples {
            // A random pause between samples, so they do not fall in step with the console's timers.
            try await Task.sleep(for: .milliseconds(Int.random(in: 100...350)))
            let marker = "/t-\(run)-\(index)"
            let failure = AuthFailure(at: Date(), node: "bench", clientKey: "bench-tail", reason: .expired,
                                      detail: "tail benchmark sample", method: "GET", path: marker)
            try await writer.record([failure])
            let committed = ContinuousClock.now
            while try !screen().contains(marker) {
                guard ContinuousClock.now - committed < Self.sampleDeadline else {
                    throw ValidationError("the console did not show \(marker) within \(Self.sampleDeadline): is it on the Failures screen, following?")
                }
            }
            latencies.append((ContinuousClock.now - committed).milliseconds)
        }
        return latencies
    }

    /// tmux's copy of the pane, as text.
    private func screen() throws -> String {
        let capture = try ToolCommand.run(["tmux", "-L", tmuxSocket, "capture-pane", "-p", "-t", pane])
        guard capture.status == 0 else { throw ValidationError("tmux has no pane \(pane) on socket \(tmuxSocket)") }
        return capture.stdout
    }

    /// Nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count, max(1, rank)) - 1]
    }
}
