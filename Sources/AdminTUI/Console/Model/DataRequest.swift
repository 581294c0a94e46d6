import AdminCore
import Foundation

/// What the console asks of the store. Requests run off the UI loop; their results come
/// back as `DataEvent`s.
enum DataRequest: Sendable, Equatable {
    case header
    /// `generation` orders answers: one for an older query (the filter has changed since) is dropped.
    case tenants(TenantQuery, append: Bool, generation: Int)
    case tenantDetail(String)
    case history(HistoryQuery)
    case failures(FailureQuery)
    case tail(after: Int64)
    case labVerify(token: String, method: String, url: String, tenant: String)
    case labSign(tenant: String, method: String, url: String, kind: TokenLab.Kind, ttl: Int64)
}

/// What came back.
enum DataEvent: Sendable {
    case header(tenantCount: Int, failuresLastMinute: Int, perMinute: [Int])
    case tenants(TenantPage, append: Bool, generation: Int)
    case tenantDetail(String, Tenant?, [InstallEvent], [AuthFailure], [SecretHistoryEntry])
    case history([InstallEvent])
    /// A page, and the newest id in the whole table when it was read (where the tail goes on).
    case failures([AuthFailure], newestID: Int64)
    case tail([AuthFailure])
    case labVerified(VerificationReport, SecretMatch?)
    case labSigned(TokenLab.SignedToken)
    case failed(DataRequest, String)
}
