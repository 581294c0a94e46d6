import Foundation
import ConnectCore

/// A store that keeps tenants and nothing else (another framework's): what it lacks, and its
/// "secret history" of the current secret only, said once for every such reader.
protocol TenantOnlyReader: StoreReader {
    var layout: ForeignLocation.Layout { get }
}

extension TenantOnlyReader {
    var capabilities: StoreCapabilities {
        StoreCapabilities(
            history: false, failures: false, sorting: false,
            missing: "\(layout.framework) keeps no install history or authentication failures: run `connect-server --upstream` in front of the app to record them")
    }

    /// No history: the current secret only.
    func secretHistory(clientKey: String) async throws(StoreError) -> [SecretHistoryEntry] {
        guard let tenant = try await tenant(clientKey: clientKey) else { return [] }
        return [SecretHistoryEntry(clientKey: clientKey, secret: tenant.secret,
                                   currentFrom: tenant.installedAt ?? Date(timeIntervalSince1970: 0), currentUntil: nil)]
    }
}
