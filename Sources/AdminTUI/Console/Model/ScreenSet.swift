/// The console's screen models, one of each, and the one place that maps a `ScreenID` to
/// its model.
struct ScreenSet: Sendable {
    var tenants = TenantsModel()
    var tenant = TenantModel()
    var history = HistoryModel()
    var failures = FailuresModel()
    var failure = FailureModel()
    var lab = LabModel()

    subscript(id: ScreenID) -> any ScreenModel {
        get {
            switch id {
            case .tenants: return tenants
            case .tenant: return tenant
            case .history: return history
            case .failures: return failures
            case .failure: return failure
            case .lab: return lab
            }
        }
        set {
            if let model = newValue as? TenantsModel { tenants = model }
            if let model = newValue as? TenantModel { tenant = model }
            if let model = newValue as? HistoryModel { history = model }
            if let model = newValue as? FailuresModel { failures = model }
            if let model = newValue as? FailureModel { failure = model }
            if let model = newValue as? LabModel { lab = model }
        }
    }

    static func bindings(for id: ScreenID) -> [KeyBinding] {
        types.first { $0.id == id }?.bindings ?? []
    }

    private static let types: [any ScreenModel.Type] = [
        TenantsModel.self, TenantModel.self, HistoryModel.self, FailuresModel.self, FailureModel.self, LabModel.self,
    ]
}
