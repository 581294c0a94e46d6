import Foundation
import ConnectCore

/// A page of the tenants table: filter, sort on any column, keyset paging.
public struct TenantQuery: Sendable, Equatable {
    public enum SortColumn: String, Sendable, CaseIterable {
        case clientKey, baseUrl, productType, state, installedAt, updatedAt

        var sqlColumn: String {
            switch self {
            case .clientKey: return "client_key"
            case .baseUrl: return "base_url"
            case .productType: return "product_type"
            case .state: return "state"
            case .installedAt: return "installed_at"
            case .updatedAt: return "updated_at"
            }
        }

        var isTime: Bool { self == .installedAt || self == .updatedAt }
    }

    /// Where the next page starts: the sort value and clientKey of the last row shown.
    public struct Cursor: Sendable, Equatable {
        public var sortValue: SQLValue
        public var clientKey: String
    }

    /// Case-insensitive substring of clientKey, baseUrl or description.
    public var filter: String?
    public var state: TenantState?
    public var sort: SortColumn
    public var descending: Bool
    public var limit: Int
    public var after: Cursor?
    /// Failures are counted over `[now - failureWindow, now]`.
    public var now: Date
    public var failureWindow: TimeInterval

    public init(filter: String? = nil, state: TenantState? = nil, sort: SortColumn = .clientKey, descending: Bool = false,
                limit: Int = 50, after: Cursor? = nil, now: Date = Date(), failureWindow: TimeInterval = 3600) {
        self.filter = filter
        self.state = state
        self.sort = sort
        self.descending = descending
        self.limit = limit
        self.after = after
        self.now = now
        self.failureWindow = failureWindow
    }
}

/// One row of the tenants table.
public struct TenantRow: Sendable, Equatable, Identifiable {
    public var tenant: Tenant
    /// Failures recorded for this tenant within the query's window (aggregated counts included).
    /// Failures in the last hour; `nil` when the store keeps no failures.
    public var recentFailures: Int?

    /// A tenant is its clientKey.
    public var id: String { tenant.clientKey }

    public init(tenant: Tenant, recentFailures: Int?) {
        self.tenant = tenant
        self.recentFailures = recentFailures
    }
}

/// A page of tenants and the cursor of the page after it (`nil` on the last page).
public struct TenantPage: Sendable, Equatable {
    public var rows: [TenantRow]
    public var next: TenantQuery.Cursor?
    /// Rows of a foreign store that could not be read as a tenant, one sentence each (the
    /// rest of the page is still shown).
    public var skipped: [String]

    public init(rows: [TenantRow], next: TenantQuery.Cursor?, skipped: [String] = []) {
        self.rows = rows
        self.next = next
        self.skipped = skipped
    }
}
