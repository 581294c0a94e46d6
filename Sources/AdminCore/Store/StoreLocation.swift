import Foundation
import ConnectCore

/// Where the store lives, parsed from `--store URL`, `CONNECT_STORE` or the default.
///
/// `sqlite:PATH` (relative to the working directory), `sqlite:///abs/path`, or
/// `postgres://user:pass@host:port/db` (`postgresql://` too; `?sslmode=require` for TLS);
/// other frameworks' stores with `ace+` or `acsb+` before the engine (see `ForeignLocation`).
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresLocation)
    /// Another framework's store, read-only.
    case foreign(ForeignLocation)

    public struct PostgresLocation: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var username: String
        public var password: String?
        public var database: String
        public var requireTLS: Bool
    }

    /// The store named by `argument`, else `CONNECT_STORE`, else `sqlite:connect.sqlite`:
    /// `--store` of both binaries.
    public static func resolve(argument: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(StoreError) -> StoreLocation {
        try named(argument ?? environment["CONNECT_STORE"] ?? "sqlite:connect.sqlite", environment: environment)
    }

    /// The store a URL names, read the same way at every entry point (`--store`,
    /// `--tenants-from`, `demo`, the benchmarks, the tests). A PostgreSQL URL without a
    /// password takes it, as libpq does, from `PGPASSWORD`, else from the password file
    /// (`PGPASSFILE`, else `~/.pgpass`), so it need not appear in `ps`.
    public static func named(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(StoreError) -> StoreLocation {
        let location = try parse(text)
        func withPassword(_ postgres: PostgresLocation) -> PostgresLocation {
            guard postgres.password == nil else { return postgres }
            var postgres = postgres
            postgres.password = environment["PGPASSWORD"] ?? PasswordFile.password(for: postgres, environment: environment)
            return postgres
        }
        switch location {
        case .postgres(let postgres): return .postgres(withPassword(postgres))
        case .foreign(var foreign):
            if case .postgres(let postgres) = foreign.engine { foreign.engine = .postgres(withPassword(postgres)) }
            return .foreign(foreign)
        case .sqlite: return location
        }
    }

    /// `text` for an error message: whatever stands before an `@` (a user and password) is
    /// never repeated back.
    static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@") else { return text }
        let scheme = text.range(of: "://").map { String(text[..<$0.upperBound]) } ?? ""
        return scheme + "…" + text[at...]
    }

    /// The URL's syntax alone; everything outside reads a URL with `named(_:environment:)`.
    static func parse(_ text: String) throws(StoreError) -> StoreLocation {
        for layout in [ForeignLocation.Layout.ace, .acsb] where text.hasPrefix(layout.rawValue + "+") {
            return .foreign(try parseForeign(String(text.dropFirst(layout.rawValue.count + 1)), layout: layout, original: text))
        }
        if text.hasPrefix("sqlite://") {
            let path = String(text.dropFirst("sqlite://".count))
            guard path.hasPrefix("/"), path.count > 1 else {
                throw StoreError(.usage, "store URL \(Sanitized.quote(redacted(text))) needs an absolute path after sqlite:// (sqlite:///abs/path), or use sqlite:relative/path")
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
        throw StoreError(.usage, "unknown store URL \(Sanitized.quote(redacted(text))): use sqlite:PATH, sqlite:///abs/path or postgres://user:pass@host:port/db (ace+ or acsb+ before them for other frameworks' stores)")
    }

    /// `ace+sqlite:PATH`, `ace+postgres://…[?table=NAME]`, `acsb+postgres://…[?table=NAME]`.
    static func parseForeign(_ rest: String, layout: ForeignLocation.Layout, original: String) throws(StoreError) -> ForeignLocation {
        if layout == .ace, rest.hasPrefix("redis://") {
            guard let components = URLComponents(string: rest), let host = components.host, !host.isEmpty else {
                throw StoreError(.usage, "store URL is not a valid ace+redis:// URL: use ace+redis://[:password@]host:port[/db]")
            }
            let path = components.path.drop { $0 == "/" }
            guard path.isEmpty || Int(path) != nil else {
                throw StoreError(.usage, "the database in an ace+redis:// URL is a number (ace+redis://host:6379/0)")
            }
            let user = components.user.flatMap { $0.isEmpty ? nil : $0 }
            return ForeignLocation(layout: .ace, engine: .redis(ForeignLocation.RedisLocation(
                host: host, port: components.port ?? 6379, username: user, password: components.password,
                database: Int(path) ?? 0)), table: "clientInfo")
        }
        var rest = rest
        var table = layout.defaultTable
        if let mark = rest.range(of: "?table=") ?? rest.range(of: "&table=") {
            table = String(rest[mark.upperBound...].prefix { $0 != "&" })
            rest.removeSubrange(mark.lowerBound..<rest.index(mark.upperBound, offsetBy: table.count))
            guard ForeignLocation.validTable(table) else {
                throw StoreError(.usage, "table name \(Sanitized.quote(table)) in the store URL is not a plain SQL name (letters, digits, _)")
            }
        }
        switch try parse(rest) {
        case .sqlite(let path) where layout == .ace:
            return ForeignLocation(layout: layout, engine: .sqlite(path: path), table: table)
        case .postgres(let postgres):
            return ForeignLocation(layout: layout, engine: .postgres(postgres), table: table)
        default:
            let forms = layout == .ace ? "ace+sqlite:PATH, ace+postgres://user@host:port/db or ace+redis://host:port" : "acsb+postgres://user@host:port/db"
            throw StoreError(.usage, "store URL \(Sanitized.quote(redacted(original))) is not a \(layout.framework) store URL: use \(forms)")
        }
    }

    /// The location for people: never the password.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let location):
            return "postgres://\(location.username)@\(location.host):\(location.port)/\(location.database)"
        case .foreign(let foreign): return foreign.description
        }
    }
}

/// libpq's password file: lines of `host:port:database:user:password`, `*` matching
/// anything, `\:` and `\\` escaped; the first matching line wins.
enum PasswordFile {
    static func password(for location: StoreLocation.PostgresLocation, environment: [String: String]) -> String? {
        let path = environment["PGPASSFILE"] ?? environment["HOME"].map { $0 + "/.pgpass" }
        guard let path, let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let wanted = [location.host, String(location.port), location.database, location.username]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = split(line)
            guard fields.count == 5 else { continue }
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    static func split(_ line: Substring) -> [String] {
        var fields: [String] = [""]
        var escaped = false
        for character in line {
            if escaped {
                fields[fields.count - 1].append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" && fields.count < 5 {
                fields.append("")
            } else {
                fields[fields.count - 1].append(character)
            }
        }
        return fields
    }
}
