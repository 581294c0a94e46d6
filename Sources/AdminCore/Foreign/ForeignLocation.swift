import ConnectCore
/// A store another Connect framework wrote, which ConnectAdmin reads as it is and never
/// writes: `ace+sqlite:PATH`, `ace+postgres://…`, `acsb+postgres://…` (`?table=NAME` names
/// a table other than the framework's default).
public struct ForeignLocation: Sendable, Equatable {
    public enum Layout: String, Sendable {
        /// atlassian-connect-express's Sequelize adapter: `AddonSettings` rows, one `clientInfo`
        /// row per tenant holding the raw `/installed` body as JSON.
        case ace
        /// atlassian-connect-spring-boot's JPA entity `AtlassianHost`: table `atlassian_host`.
        case acsb

        public var defaultTable: String { self == .ace ? "AddonSettings" : "atlassian_host" }

        public var framework: String { self == .ace ? "atlassian-connect-express" : "atlassian-connect-spring-boot" }
    }

    public enum Engine: Sendable, Equatable {
        case sqlite(path: String)
        case postgres(StoreLocation.PostgresLocation)
        case redis(RedisLocation)
    }

    /// `ace+redis://[user][:password]@host[:port][/db]`.
    public struct RedisLocation: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var username: String?
        public var password: String?
        public var database: Int
    }

    public var layout: Layout
    public var engine: Engine
    public var table: String

    /// A table name from a URL: a plain SQL identifier, so it can be quoted into statements.
    static func validTable(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 63 else { return false }
        let letters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_".unicodeScalars)
        let digits = Set("0123456789".unicodeScalars)
        return letters.contains(first) && name.unicodeScalars.allSatisfy { letters.contains($0) || digits.contains($0) }
    }

    public var description: String {
        let suffix = table == layout.defaultTable ? "" : "?table=\(table)"
        switch engine {
        case .sqlite(let path): return "\(layout.rawValue)+sqlite:\(path)\(suffix)"
        case .postgres(let location):
            return "\(layout.rawValue)+postgres://\(location.username)@\(location.host):\(location.port)/\(location.database)\(suffix)"
        case .redis(let location):
            return "\(layout.rawValue)+redis://\(location.host):\(location.port)/\(location.database)"
        }
    }
}
