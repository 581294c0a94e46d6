import Hummingbird
import NIOCore

/// The request context of connect-server: Hummingbird's, plus the peer address that install
/// events and auth failures record.
public struct ConnectRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Lifecycle payloads are small; nothing else reads a body larger than this.
    public var maxUploadSize: Int { 256 * 1024 }
}
