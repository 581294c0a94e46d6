/// Why a token or a lifecycle callback was refused.
///
/// These strings are a stable interface: the store keeps them, scripts filter on them and
/// operators learn them. Add cases when needed; never rename one.
public enum ReasonCode: String, Sendable, CaseIterable, Codable, Hashable {
    case missingToken = "missing_token"
    case malformedToken = "malformed_token"
    case tokenTooLarge = "token_too_large"
    case unsupportedAlgorithm = "unsupported_algorithm"
    case unsupportedHeader = "unsupported_header"
    case missingClaim = "missing_claim"
    case claimType = "claim_type"
    case unknownIssuer = "unknown_issuer"
    case tenantUninstalled = "tenant_uninstalled"
    case tenantDisabled = "tenant_disabled"
    case insecureSecret = "insecure_secret"
    case badSignature = "bad_signature"
    case expired = "expired"
    case notYetValid = "not_yet_valid"
    case issuedInFuture = "issued_in_future"
    case missingQSH = "missing_qsh"
    case qshMismatch = "qsh_mismatch"
    case contextQSHNotAllowed = "context_qsh_not_allowed"
    case wrongAudience = "wrong_audience"
    case missingKid = "missing_kid"
    case invalidKid = "invalid_kid"
    case installKeyUnavailable = "install_key_unavailable"
    case clientKeyMismatch = "client_key_mismatch"
    case unsignedReinstall = "unsigned_reinstall"
    case invalidLifecyclePayload = "invalid_lifecycle_payload"
    /// The tenant's stored secret is sealed under a key not in the key ring, or tampered.
    case secretUnavailable = "secret_unavailable"
    // Act-as-user assertions (OAuth 2.0 JWT bearer) and app → host tokens.
    case wrongIssuer = "wrong_issuer"
    case invalidSubject = "invalid_subject"
    case wrongTenant = "wrong_tenant"
    case lifetimeTooLong = "lifetime_too_long"
    case unexpectedQSH = "unexpected_qsh"
    // The sidecar (`connect-server --upstream`).
    /// The app behind the sidecar answered otherwise than we decided (observe mode).
    case disagreement = "disagreement"
    /// The app behind the sidecar could not be reached or did not answer in time.
    case upstreamUnavailable = "upstream_unavailable"
    /// The sidecar refused a request the app could read otherwise than it did: a body on a
    /// GET, TRACE, two Host fields, a path that cannot be normalized safely.
    case unsafeRequest = "unsafe_request"
    /// The request carries more than one token, and they are not the same.
    case ambiguousToken = "ambiguous_token"
}
