import ConnectCore
/// A value bound to, or read from, a SQL statement. The store uses only these three types
/// (times are integer milliseconds since 1970, UTC), which is what makes one schema and one
/// set of statements serve SQLite and PostgreSQL alike.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case text(String)

    init(_ value: String?) { self = value.map(SQLValue.text) ?? .null }
    init(_ value: Int64?) { self = value.map(SQLValue.integer) ?? .null }
}

/// A statement with `?` placeholders and its bindings. PostgreSQL's `$n` placeholders are
/// produced from the same text.
public struct SQLStatement: Sendable {
    public var sql: String
    public var bindings: [SQLValue]
    /// A guard inside a transaction: the query must return a row, else the whole transaction
    /// is rolled back with a `.conflict` error. This is how a decision made on a row read
    /// earlier is committed only if the row is still as it was (compare-and-set).
    public var requiresRow = false

    public init(_ sql: String, _ bindings: [SQLValue] = []) {
        self.sql = sql
        self.bindings = bindings
    }

    /// A guard statement (see `requiresRow`).
    static func guarding(_ sql: String, _ bindings: [SQLValue] = []) -> SQLStatement {
        var statement = SQLStatement(sql, bindings)
        statement.requiresRow = true
        return statement
    }

    /// The text with `?` replaced by `$1`, `$2`, …: the store's SQL never contains a literal `?`.
    var postgresSQL: String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + bindings.count * 2)
        var index = 0
        for character in sql {
            if character == "?" {
                index += 1
                out += "$\(index)"
            } else {
                out.append(character)
            }
        }
        return out
    }
}

/// One result row, by column name.
public struct SQLRow: Sendable {
    var values: [String: SQLValue]

    func text(_ column: String) -> String? {
        if case .text(let value)? = values[column] { return value }
        return nil
    }

    func integer(_ column: String) -> Int64? {
        switch values[column] {
        case .integer(let value)?: return value
        case .text(let value)?: return Int64(value)
        default: return nil
        }
    }
}
