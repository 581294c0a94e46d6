import Hummingbird
import NIOCore
import NIOConcurrencyHelpers

/// The request context of connect-server: Hummingbird's, plus the peer address that install
/// events and auth failures record, and what the authentication middleware decided.
public struct ConnectRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: String?
    /// One box per request, shared by every copy of the context (a context is a value, handed
    /// down the pipeline): what the middleware decides deep inside is what the access log,
    /// outside it, reads. NIO's lock, as everywhere here, so Thread Sanitizer sees it.
    private let decided = NIOLockedValueBox<RequestAuthentication?>(nil)

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Lifecycle payloads are small; nothing else reads a body larger than this.
    public var maxUploadSize: Int { 256 * 1024 }

    /// What the authentication middleware decided; `nil` on a route it does not guard.
    public var authentication: RequestAuthentication? {
        get { decided.withLockedValue { $0 } }
        nonmutating set { decided.withLockedValue { $0 = newValue } }
    }
}

