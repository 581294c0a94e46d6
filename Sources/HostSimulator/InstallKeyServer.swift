import AdminCore
import ConnectCore
import CryptoExtras
import Foundation
import Hummingbird
import Logging
import NIOCore

/// The host's install-keys service on loopback: `GET /<kid>` answers the PEM public key, as
/// `https://connect-install-keys.atlassian.com` does for real hosts.
public final class InstallKeyServer: Sendable {
    public let privateKey: _RSA.Signing.PrivateKey
    public let kid: String
    public let port: Int
    private let task: Task<Void, any Error>

    public var url: String { "http://127.0.0.1:\(port)" }

    private init(privateKey: _RSA.Signing.PrivateKey, kid: String, port: Int, task: Task<Void, any Error>) {
        self.privateKey = privateKey
        self.kid = kid
        self.port = port
        self.task = task
    }

    public static func start(port: Int = 0, kid: String) async throws -> InstallKeyServer {
        let privateKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let pem = privateKey.publicKey.pemRepresentation
        let router = Router()
        router.get(":kid") { _, context -> Response in
            guard context.parameters.get("kid") == kid else { return Response(status: .notFound) }
            return Response(status: .ok, headers: [.contentType: "application/x-pem-file"], body: .init(byteBuffer: ByteBuffer(string: pem)))
        }
        var logger = Logger(label: "host-simulator.keys")
        logger.logLevel = .critical
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let task = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next(), bound > 0 else { throw SimulatorError("the install-keys server did not start") }
        return InstallKeyServer(privateKey: privateKey, kid: kid, port: bound, task: task)
    }

    public func stop() async {
        task.cancel()
        _ = await task.result
    }
}

public struct SimulatorError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
