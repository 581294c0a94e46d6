import AdminCore
import ConnectCore
import Foundation
import NIOConcurrencyHelpers
import Prometheus

/// What `GET /metrics` shows, in Prometheus text format: swift-prometheus collectors, one
/// registry per server (no process-wide bootstrap, so servers in one process — tests, the
/// demo — keep their own counts). Names follow Prometheus's conventions (counters end in
/// `_total`, durations are `_seconds` histograms) and every metric has its help text, so
/// `promtool check metrics` has nothing to say. No label takes a value a caller chooses: routes
/// are a fixed set, reasons and events are enums, statuses are HTTP's.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    /// The failure recorder's totals as last exported: a scrape adds what came since.
    private let recorderSeen = NIOLockedValueBox(FailureRecorder.Stats())

    static let durationBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    /// Every metric the server exports.
    enum Name {
        static func metric(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "connect", metricName: name, unitName: unit, helpText: help)
        }
        static var httpRequests: MetricNameDescriptor { metric("http_requests", "total", "Requests answered, by route (a fixed set, never the raw path), method and status.") }
        static var httpRequestDuration: MetricNameDescriptor { metric("http_request_duration", "seconds", "Time to answer a request, by route, method and status.") }
        static var authFailures: MetricNameDescriptor { metric("auth_failures", "total", "Requests refused or failed, by reason code.") }
        static var lifecycleEvents: MetricNameDescriptor { metric("lifecycle_events", "total", "Lifecycle callbacks decided, by event and outcome.") }
        static var storeOperationDuration: MetricNameDescriptor { metric("store_operation_duration", "seconds", "Time the store took to answer one operation.") }
        static var storeErrors: MetricNameDescriptor { metric("store_errors", "total", "Store operations that failed or ran past their deadline.") }
        static var installKeyFetches: MetricNameDescriptor { metric("install_key_fetches", "total", "Fetches of the host's install keys, by outcome.") }
        static var failureQueueDepth: MetricNameDescriptor { metric("failure_queue_depth", "", "Auth failures waiting to be written to the store.") }
        static var failuresReceived: MetricNameDescriptor { metric("failures_received", "total", "Auth failures the recorder received.") }
        static var failuresWritten: MetricNameDescriptor { metric("failures_written", "total", "Auth failures written to the store (a folded row counts each failure in it).") }
        static var failuresFolded: MetricNameDescriptor { metric("failures_folded", "total", "Auth failures folded into another row's count.") }
        static var failuresDropped: MetricNameDescriptor { metric("failures_dropped", "total", "Auth failures that could not be written after every retry.") }
    }

    public init() {}

    /// A request answered: count and latency by route (a fixed set, never the raw path), method
    /// and status.
    func request(route: String, method: String, status: Int, duration: Duration) {
        let labels = [("route", route), ("method", method), ("status", String(status))]
        registry.makeCounter(descriptor: Name.httpRequests, labels: labels).increment()
        registry.makeDurationHistogram(descriptor: Name.httpRequestDuration, labels: labels, buckets: Self.durationBuckets).record(duration)
    }

    func authFailure(_ reason: ReasonCode) {
        registry.makeCounter(descriptor: Name.authFailures, labels: [("reason", reason.rawValue)]).increment()
    }

    func lifecycle(_ event: InstallEvent) {
        registry.makeCounter(descriptor: Name.lifecycleEvents, labels: [("event", event.eventType.rawValue), ("outcome", event.outcome.rawValue)])
            .increment()
    }

    func storeOperation(duration: Duration, failed: Bool) {
        registry.makeDurationHistogram(descriptor: Name.storeOperationDuration, buckets: Self.durationBuckets).record(duration)
        if failed { registry.makeCounter(descriptor: Name.storeErrors).increment() }
    }

    func installKeyFetch(outcome: String) {
        registry.makeCounter(descriptor: Name.installKeyFetches, labels: [("outcome", outcome)]).increment()
    }

    /// The failure recorder's state, read when scraped: the queue's depth (a gauge) and its
    /// running totals (counters), each advanced by what came since the last scrape.
    func recorder(_ stats: FailureRecorder.Stats, pending: Int) {
        registry.makeGauge(descriptor: Name.failureQueueDepth).set(Double(pending))
        recorderSeen.withLockedValue { seen in
            let totals: [(MetricNameDescriptor, Int, Int)] = [
                (Name.failuresReceived, stats.received, seen.received), (Name.failuresWritten, stats.written, seen.written),
                (Name.failuresFolded, stats.aggregated, seen.aggregated), (Name.failuresDropped, stats.dropped, seen.dropped),
            ]
            for (name, now, before) in totals {
                registry.makeCounter(descriptor: name).increment(by: Int64(max(0, now - before)))
            }
            seen = stats
        }
    }

    public func exposition() -> String { registry.emitToString() }
}
