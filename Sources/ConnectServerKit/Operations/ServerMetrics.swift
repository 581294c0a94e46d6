import AdminCore
import ConnectCore
import Foundation
import Metrics
import Prometheus

/// What `GET /metrics` shows, in Prometheus text format: swift-metrics objects backed by
/// swift-prometheus, one registry per server (no process-wide bootstrap, so servers in one
/// process — tests, the demo — keep their own counts). Names follow Prometheus conventions.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [.microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
                                                   .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                                   .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                                   .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)]
        self.factory = factory
    }

    /// A request answered: count and latency by route (a fixed set, never the raw path), method
    /// and status.
    func request(route: String, method: String, status: Int, duration: Duration) {
        let dimensions = [("route", route), ("method", method), ("status", String(status))]
        Counter(label: "connect_http_requests_total", dimensions: dimensions, factory: factory).increment()
        Metrics.Timer(label: "connect_http_request_duration_seconds", dimensions: dimensions, factory: factory).record(duration: duration)
    }

    func authFailure(_ reason: ReasonCode) {
        Counter(label: "connect_auth_failures_total", dimensions: [("reason", reason.rawValue)], factory: factory).increment()
    }

    func lifecycle(_ event: InstallEvent) {
        Counter(label: "connect_lifecycle_events_total", dimensions: [("event", event.eventType.rawValue), ("outcome", event.outcome.rawValue)],
                factory: factory).increment()
    }

    func storeOperation(duration: Duration, failed: Bool) {
        Metrics.Timer(label: "connect_store_operation_duration_seconds", factory: factory).record(duration: duration)
        if failed { Counter(label: "connect_store_errors_total", factory: factory).increment() }
    }

    func installKeyFetch(outcome: String) {
        Counter(label: "connect_install_key_fetches_total", dimensions: [("outcome", outcome)], factory: factory).increment()
    }

    /// The failure recorder's counters, read when scraped.
    func recorder(_ stats: FailureRecorder.Stats, pending: Int) {
        Gauge(label: "connect_failure_queue_depth", factory: factory).record(pending)
        Gauge(label: "connect_failures_received", factory: factory).record(stats.received)
        Gauge(label: "connect_failures_written", factory: factory).record(stats.written)
        Gauge(label: "connect_failures_folded", factory: factory).record(stats.aggregated)
        Gauge(label: "connect_failures_dropped", factory: factory).record(stats.dropped)
    }

    public func exposition() -> String { registry.emitToString() }
}
