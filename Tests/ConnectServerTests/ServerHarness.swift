import AdminCore
import ConnectCore
import AsyncHTTPClient
import ConnectServerKit
import CryptoExtras
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ConnectTestSupport
import Testing

/// A real connect-server on loopback, with a real install-keys server beside it (a
/// generated RSA key pair), and helpers that act as the Connect host.
final class ServerHarness: Sendable {
    let app: ConnectServerApp
    let store: ConnectStore
    let location: StoreLocation
    let baseURL: String
    let port: Int
    let keysPort: Int
    let hostKey: _RSA.Signing.PrivateKey
    let kid = "host-key-1"
    let installed: HookLog
    /// Every kid the install-keys server was asked for, in order.
    let keyRequests: RequestLog
    private let tasks: [Task<Void, any Error>]

    static let appPath = "/connect"

    private init(app: ConnectServerApp, store: ConnectStore, location: StoreLocation, baseURL: String, port: Int, keysPort: Int,
                 hostKey: _RSA.Signing.PrivateKey, installed: HookLog, keyRequests: RequestLog, tasks: [Task<Void, any Error>]) {
        self.app = app
        self.store = store
        self.location = location
        self.baseURL = baseURL
        self.port = port
        self.keysPort = keysPort
        self.hostKey = hostKey
        self.installed = installed
        self.keyRequests = keyRequests
        self.tasks = tasks
    }

    static func start(location: StoreLocation, legacyInstall: Bool = false, failureQueueCapacity: Int = 10_000, appStore: (any StoreReader)? = nil,
                      keyRing: SecretKeyRing = .none, configure: @Sendable (inout ServerConfiguration) -> Void = { _ in }) async throws -> ServerHarness {
        let hostKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let pem = hostKey.publicKey.pemRepresentation
        // The install-keys server: GET /<kid> answers the PEM of the one kid it knows.
        let keyRequests = RequestLog()
        let keysRouter = Router()
        keysRouter.get("**") { request, _ -> Response in
            let kid = String(request.uri.path.dropFirst())
            await keyRequests.append(kid)
            guard kid == "host-key-1" else { return Response(status: .notFound) }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: pem)))
        }
        let (keysPortStream, keysPortContinuation) = AsyncStream.makeStream(of: Int.self)
        let keysApp = Application(router: keysRouter, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                  onServerRunning: { keysPortContinuation.yield($0.localAddress?.port ?? 0) },
                                  logger: { var quiet = Logger(label: "keys"); quiet.logLevel = .critical; return quiet }())
        let keysTask = Task { try await keysApp.run() }
        var keysIterator = keysPortStream.makeAsyncIterator()
        let keysPort = await keysIterator.next() ?? 0

        var configurationProbe = ServerConfiguration(store: location, port: 0, baseURLs: [])
        configure(&configurationProbe)
        let store = try await ConnectStore.open(location, keyRing: keyRing, deadline: configurationProbe.storeTimeout)
        let hooks = HookLog()
        // The host part of the base URL does not matter to the routes; its path does.
        let baseURL = "https://app.example.test\(appPath)"
        var configuration = ServerConfiguration(store: location, port: 0, baseURLs: [baseURL], appKey: "com.example.test-app",
                                                installKeysURL: "http://127.0.0.1:\(keysPort)", legacyInstall: legacyInstall, node: "test-node")
        configuration.failureQueueCapacity = failureQueueCapacity
        configure(&configuration)
        var logger = Logger(label: "connect-server-test")
        logger.logLevel = .critical  // stopping by cancellation logs errors that mean nothing here
        let app = try ConnectServerApp(configuration: configuration, store: store, appStore: appStore,
                                       hooks: ConnectServerHooks(onInstalled: { await hooks.append($0) }), logger: logger)
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let application = app.makeApplication { portContinuation.yield($0) }
        let serverTask = Task { try await application.run() }
        var iterator = portStream.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        return ServerHarness(app: app, store: store, location: location, baseURL: baseURL, port: port, keysPort: keysPort,
                             hostKey: hostKey, installed: hooks, keyRequests: keyRequests, tasks: [keysTask, serverTask])
    }

    /// A second node: another connect-server (its own store connections) on the same store,
    /// trusting the same install-keys server.
    func secondNode() async throws -> (server: RunningConnectServer, store: ConnectStore, local: String) {
        let store = try await ConnectStore.open(location)
        var configuration = ServerConfiguration(store: location, port: 0, baseURLs: [baseURL], appKey: "com.example.test-app",
                                                installKeysURL: "http://127.0.0.1:\(keysPort)", legacyInstall: app.configuration.legacyInstall,
                                                node: "test-node-2")
        configuration.foldWindow = app.configuration.foldWindow
        var logger = Logger(label: "connect-server-test-2")
        logger.logLevel = .critical
        let server = try await RunningConnectServer.start(try ConnectServerApp(configuration: configuration, store: store, logger: logger))
        return (server, store, "http://127.0.0.1:\(server.port)")
    }

    func stop() async {
        for task in tasks { task.cancel() }
        for task in tasks { _ = await task.result }
        await store.close()
    }

    // MARK: - Acting as the host

    var local: String { "http://127.0.0.1:\(port)" }

    static func payload(_ clientKey: String, event: InstallEvent.EventType, secret: String? = nil,
                        baseUrl: String? = nil, extra: [String: JSONValue] = [:]) -> [UInt8] {
        var object = JSONObject([
            "key": .string("com.example.test-app"), "clientKey": .string(clientKey),
            "baseUrl": .string(baseUrl ?? "https://\(clientKey.replacingOccurrences(of: ":", with: "-")).atlassian.net"),
            "productType": .string("jira"), "description": .string("Atlassian JIRA"), "eventType": .string(event.rawValue),
            "serverVersion": .string("100213"), "pluginsVersion": .string("1001.0.0"),
        ])
        if let secret { object["sharedSecret"] = .string(secret) }
        for (key, value) in extra { object[key] = value }
        return Array(JSONValue.object(object).jsonText().utf8)
    }

    /// An RS256 install token as the host signs it: `aud` the app base URL, `iss` the
    /// clientKey, qsh of `POST <path>` relative to the base URL.
    func installToken(clientKey: String, path: String = "/installed", key: _RSA.Signing.PrivateKey? = nil, kid: String? = nil,
                      aud: JSONValue? = nil, iss: String? = nil, issuedAt: Int64 = UnixTime.now(), contextQSH: Bool = false) throws -> String {
        var claims = ConnectClaims(issuer: iss ?? clientKey, issuedAt: issuedAt,
                                   request: contextQSH ? nil : CanonicalRequest(method: "POST", url: path)).object
        claims["aud"] = aud ?? .array([.string(baseURL)])
        return try ConnectTokenSigner.rs256(claims: claims, privateKey: key ?? hostKey, kid: kid ?? self.kid)
    }

    /// An HS256 token for `method path` signed with `secret`, as the host signs requests.
    func requestToken(clientKey: String, secret: String, method: String, path: String, issuedAt: Int64 = UnixTime.now(),
                      contextQSH: Bool = false) -> String {
        ConnectTokenSigner.hs256(claims: ConnectClaims(issuer: clientKey, issuedAt: issuedAt,
                                                       request: contextQSH ? nil : CanonicalRequest(method: method, url: path)).object,
                                 secret: SharedSecret(secret))
    }

    struct HTTPResult {
        var status: Int
        var body: String
        var headers: HTTPHeaders
    }

    /// `path` under the app's base path; `/healthz` and `/readyz` are at the root (`atRoot`).
    func send(_ method: HTTPMethod, _ path: String, token: String? = nil, body: [UInt8]? = nil, to node: String? = nil,
              atRoot: Bool = false, headers: [(String, String)] = []) async throws -> HTTPResult {
        var request = HTTPClientRequest(url: (node ?? local) + (atRoot ? "" : Self.appPath) + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "JWT \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return HTTPResult(status: Int(response.status.code), body: String(buffer: bytes), headers: response.headers)
    }

    func lifecycle(_ event: InstallEvent.EventType, token: String?, body: [UInt8], to node: String? = nil) async throws -> HTTPResult {
        try await send(.POST, "/\(event.rawValue)", token: token, body: body, to: node)
    }

    /// Installs `clientKey` with `secret`, signed properly; expects 204.
    func install(_ clientKey: String, secret: String) async throws {
        let result = try await lifecycle(.installed, token: try installToken(clientKey: clientKey),
                                         body: Self.payload(clientKey, event: .installed, secret: secret))
        #expect(result.status == 204, "install of \(clientKey): \(result.status) \(result.body)")
    }

    /// Waits until the recorders have written everything they received, folded counts included.
    func flushFailures() async {
        await app.recorder.flush()
        await app.rejections.flush()
    }
}

/// What the `onInstalled` hook saw.
/// What the install-keys server was asked for.
actor RequestLog {
    private(set) var entries: [String] = []
    func append(_ entry: String) { entries.append(entry) }
}

actor HookLog {
    private(set) var tenants: [Tenant] = []
    func append(_ tenant: Tenant) { tenants.append(tenant) }
}
