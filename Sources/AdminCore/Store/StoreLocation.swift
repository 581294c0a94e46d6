import Foundation

/// Where the store lives, parsed from `--store URL`, `CONNECT_STORE` or the default.
///
/// `sqlite:PATH` (relative to the working directory), `sqlite:///abs/path`, or
/// `postgres://user:pass@host:port/db` (`postgresql://` too; `?sslmode=require` for TLS).
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    public struct PostgresLocation: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var username: String
        public var password: String?
        public var database: String
        public var requireTLS: Bool
    }

    /// The store named by `argument`, else `CONNECT_STORE`, else `sqlite:connect.sqlite`.
    public static func resolve(argument: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(StoreError) -> StoreLocation {
        try parse(argument ?? environment["CONNECT_STORE"] ?? "sqlite:connect.sqlite")
    }

    public static func parse(_ text: String) throws(StoreError) -> StoreLocation {
        if text.hasPrefix("sqlite://") {
            let path = String(text.dropFirst("sqlite://".count))
            guard path.hasPrefix("/"), path.count > 1 else {
                throw StoreError(.usage, "store URL \(Sanitized.quote(text)) needs an absolute path after sqlite:// (sqlite:///abs/path), or use sqlite:relative/path")
            }
            return .sqlite(path: path)
        }
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw StoreError(.usage, "store URL sqlite: needs a file path, e.g. sqlite:connect.sqlite") }
            return .sqlite(path: path)
        }
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
                throw StoreError(.usage, "store URL is not a valid postgres:// URL: use postgres://user:pass@host:port/db")
            }
            let database = String(components.path.drop { $0 == "/" })
            guard !database.isEmpty else { throw StoreError(.usage, "postgres store URL needs a database name: postgres://user:pass@host:port/db") }
            let tls = components.queryItems?.first { $0.name == "sslmode" }?.value.map { ["require", "verify-ca", "verify-full"].contains($0) } ?? false
            return .postgres(PostgresLocation(
                host: host, port: components.port ?? 5432, username: components.user ?? "postgres",
                password: components.password, database: database, requireTLS: tls))
        }
        throw StoreError(.usage, "unknown store URL \(Sanitized.quote(text)): use sqlite:PATH, sqlite:///abs/path or postgres://user:pass@host:port/db")
    }

    /// The location for people: never the password.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let location):
            return "postgres://\(location.username)@\(location.host):\(location.port)/\(location.database)"
        }
    }
}
