import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `--trusted-proxy CIDR…`: the peers (a load balancer, a TLS proxy) whose `X-Forwarded-For` is
/// believed. From anyone else the header is ignored, so a client cannot choose the address that
/// install events and auth failures record. NIO parses the addresses; matching a prefix is the
/// small part written here.
public struct TrustedProxies: Sendable, Equatable {
    struct Network: Sendable, Equatable {
        var bytes: [UInt8]
        var prefixLength: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var remaining = prefixLength
            for (a, b) in zip(address, bytes) where remaining > 0 {
                let bits = min(8, remaining)
                let mask: UInt8 = bits == 8 ? 0xFF : ~(0xFF >> UInt8(bits))
                if a & mask != b & mask { return false }
                remaining -= bits
            }
            return true
        }
    }

    private var networks: [Network]

    public static let none = TrustedProxies(networks: [])

    private init(networks: [Network]) { self.networks = networks }

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// `10.0.0.0/8`, `192.0.2.7` (a single address), `fd00::/8`.
    public init(_ specifications: [String]) throws(Invalid) {
        var networks: [Network] = []
        for specification in specifications {
            let parts = specification.split(separator: "/", maxSplits: 1).map(String.init)
            guard let first = parts.first, let bytes = Self.bytes(of: first) else {
                throw Invalid(description: "--trusted-proxy \(specification) is not an IP address or CIDR block (e.g. 10.0.0.0/8, 192.0.2.7, fd00::/8)")
            }
            let prefix = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
            guard let prefix, (0...(bytes.count * 8)).contains(prefix) else {
                throw Invalid(description: "--trusted-proxy \(specification) has a prefix length outside 0…\(bytes.count * 8)")
            }
            networks.append(Network(bytes: bytes, prefixLength: prefix))
        }
        self.networks = networks
    }

    static func bytes(of address: String) -> [UInt8]? {
        guard let socketAddress = try? SocketAddress(ipAddress: address.trimmingCharacters(in: .whitespaces), port: 0) else { return nil }
        switch socketAddress {
        case .v4(let v4):
            return withUnsafeBytes(of: v4.address.sin_addr.s_addr) { Array($0) }
        case .v6(let v6):
            return withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
        default:
            return nil
        }
    }

    public var isEmpty: Bool { networks.isEmpty }

    public func contains(_ address: String?) -> Bool {
        // Without trusted proxies (the usual case) no address is parsed: this runs for every request.
        guard !networks.isEmpty, let address, let bytes = Self.bytes(of: address) else { return false }
        return networks.contains { $0.contains(bytes) }
    }

    /// The client's address: the peer's, unless the peer is trusted and says whom it forwards
    /// for — then the right-most `X-Forwarded-For` entry that is not itself a trusted proxy.
    public func client(peer: String?, forwardedFor: [String]) -> String? {
        guard contains(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for hop in hops.reversed() where !contains(hop) {
            return Self.bytes(of: hop) != nil ? hop : peer
        }
        return hops.first ?? peer
    }
}

extension TrustedProxies {
    /// The address recorded for a request: the peer's, or the client's as a trusted proxy
    /// reports it in `X-Forwarded-For`.
    func clientAddress(_ request: Request, _ context: ConnectRequestContext) -> String? {
        guard !isEmpty else { return context.remoteAddress }
        return client(peer: context.remoteAddress, forwardedFor: request.headers[values: Self.forwardedFor])
    }

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
}
