import AdminCore
import ConnectCore
import AsyncHTTPClient
import Foundation
import Logging
import ServiceLifecycle
import NIOConcurrencyHelpers

/// What the sidecar needs from the app's descriptor (`/atlassian-connect.json`): the paths of
/// its lifecycle callbacks and its key (the `iss` of its session tokens). Read from the app at
/// start and again every 30 s, so a changed descriptor is picked up; until it has been read,
/// the Connect defaults (`/installed`, … under the base path) apply.
final class UpstreamDescriptor: Sendable {
    struct Routes: Sendable, Equatable {
        /// Request path → the callback it is.
        var lifecycle: [String: InstallEvent.EventType] {
            didSet { lifecycleByMatchedPath = Self.matched(lifecycle) }
        }
        var descriptorPath: String
        var appKey: String
        /// `lifecycle` keyed by each path normalized and lowercased, made once when the paths are
        /// set rather than on every callback.
        private var lifecycleByMatchedPath: [String: InstallEvent.EventType]

        init(lifecycle: [String: InstallEvent.EventType], descriptorPath: String, appKey: String) {
            self.lifecycle = lifecycle
            self.descriptorPath = descriptorPath
            self.appKey = appKey
            lifecycleByMatchedPath = Self.matched(lifecycle)
        }

        private static func matched(_ lifecycle: [String: InstallEvent.EventType]) -> [String: InstallEvent.EventType] {
            Dictionary(lifecycle.map { key, event in (((try? NormalizedPath(key[...]))?.value ?? key).lowercased(), event) }) { first, _ in first }
        }

        /// The callback a normalized request path is, whatever its case (an app whose router
        /// ignores case, as Express's does by default, takes `/INSTALLED` for `/installed`).
        func lifecycleEvent(at path: Substring) -> InstallEvent.EventType? {
            lifecycleByMatchedPath[path.lowercased()]
        }
    }

    let upstream: String
    let basePath: String
    private let routes: NIOLockedValueBox<Routes>
    /// Whether the app's descriptor has been read, and when it was last tried.
    private let reading = NIOLockedValueBox((done: false, lastTry: ContinuousClock.Instant?.none))

    init(upstream: String, basePath: String, appKey: String) {
        self.upstream = upstream
        self.basePath = basePath
        var defaults: [String: InstallEvent.EventType] = [:]
        for event in InstallEvent.EventType.allCases { defaults[basePath + "/" + event.rawValue] = event }
        routes = NIOLockedValueBox(Routes(lifecycle: defaults, descriptorPath: basePath + "/atlassian-connect.json", appKey: appKey))
    }

    var current: Routes { routes.withLockedValue { $0 } }

    /// The routes, read from the app first if that has not happened yet (tried at most every
    /// 5 s while the app does not serve its descriptor), so the first callback after start
    /// already goes by the app's own paths.
    func routes(client: HTTPClient, logger: Logger) async -> Routes {
        let due = reading.withLockedValue { state -> Bool in
            guard !state.done, state.lastTry.map({ ContinuousClock.now - $0 > .seconds(5) }) ?? true else { return false }
            state.lastTry = .now
            return true
        }
        if due { await refresh(client: client, logger: logger) }
        return current
    }

    /// Reads the descriptor once; `false` when the app did not serve a usable one.
    @discardableResult
    func refresh(client: HTTPClient, logger: Logger) async -> Bool {
        let path = current.descriptorPath
        var request = HTTPClientRequest(url: upstream + path)
        request.method = .GET
        guard let response = try? await client.execute(request, timeout: .seconds(5)), response.status.code == 200,
              let body = try? await response.body.collect(upTo: 1024 * 1024),
              let json = try? StrictJSONParser(maxDepth: 64).parse(Array(buffer: body)) else {
            return false
        }
        var next = current
        if let key = json["key"]?.stringValue, !key.isEmpty { next.appKey = key }
        if case .object(let lifecycle)? = json["lifecycle"] {
            var paths: [String: InstallEvent.EventType] = [:]
            for event in InstallEvent.EventType.allCases {
                guard let url = lifecycle[event.rawValue]?.stringValue else { continue }
                // Relative to the app's baseUrl (`/installed`), or absolute under it.
                let relative = RequestTarget(url).path
                paths[basePath + (relative.hasPrefix("/") ? String(relative) : "/" + relative)] = event
            }
            if !paths.isEmpty { next.lifecycle = paths }
        }
        let changed = routes.withLockedValue { routes in
            defer { routes = next }
            return routes != next
        }
        reading.withLockedValue { $0.done = true }
        if changed {
            logger.info("read the app's descriptor", metadata: [
                "key": "\(Sanitized.escape(next.appKey))", "lifecycle": "\(next.lifecycle.keys.sorted().map(Sanitized.escape).joined(separator: " "))",
            ])
        }
        return true
    }

    func watch(client: HTTPClient, logger: Logger) -> some Service { Watch(descriptor: self, client: client, logger: logger) }

    struct Watch: Service {
        let descriptor: UpstreamDescriptor
        let client: HTTPClient
        let logger: Logger

        func run() async throws {
            await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    await descriptor.refresh(client: client, logger: logger)
                    try? await Task.sleep(for: .seconds(30))
                }
            }
        }
    }
}
