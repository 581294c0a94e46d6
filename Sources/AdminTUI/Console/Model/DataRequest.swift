import AdminCore
import ConnectCore
import Foundation

/// Where an answer goes. Each slot has at most one current request: its generation.
enum Slot: String, Hashable, Sendable, CaseIterable {
    case header, tail, tenants, tenant, history, failures, lab

    /// The screen whose model gets the slot's answers (`nil`: the console itself).
    var owner: ScreenID? {
        switch self {
        case .header, .tail: return nil
        case .tenants: return .tenants
        case .tenant: return .tenant
        case .history: return .history
        case .failures: return .failures
        case .lab: return .lab
        }
    }
}

/// What the console asks of the store.
enum Query: Sendable, Equatable {
    case header
    /// `append`: the next page after the rows loaded.
    case tenants(TenantQuery, append: Bool)
    case tenantDetail(String)
    case history(HistoryQuery)
    case failures(FailureQuery)
    case tail(after: Int64)
    case labVerify(token: String, method: String, url: String, tenant: String)
    case labSign(tenant: String, method: String, url: String, kind: TokenLab.Kind, ttl: Int64, accountID: String)
}

/// A query stamped with its slot and generation. Requests run off the UI loop; their answers
/// come back as `DataAnswer`s with the same stamp.
struct DataRequest: Sendable, Equatable {
    var slot: Slot
    var generation: Int
    var query: Query
}

/// What came back.
enum Answer: Sendable {
    /// `newestFailureID` is `nil` for a store that keeps no failures (no tail then).
    case header(tenantCount: Int, rate: FailureRate, newestFailureID: Int64?, capabilities: StoreCapabilities)
    case tenants(TenantPage, append: Bool)
    case tenantDetail(TenantDetail)
    case history([InstallEvent])
    /// A page, and the newest id in the whole table when it was read (where the tail goes on).
    case failures([AuthFailure], newestID: Int64)
    case tail([AuthFailure])
    case labVerified(TokenExplanation)
    case labSigned(TokenLab.SignedToken)
    case failed(String)
    /// The store does not keep what was asked (another framework's store): why, in one sentence.
    case unavailable(String)
}

struct DataAnswer: Sendable {
    var slot: Slot
    var generation: Int
    var answer: Answer
}

/// One tenant and what is recorded about it.
struct TenantDetail: Sendable {
    var clientKey: String
    var tenant: Tenant?
    var history: [InstallEvent]
    var failures: [AuthFailure]
    var secrets: [SecretHistoryEntry]
}
