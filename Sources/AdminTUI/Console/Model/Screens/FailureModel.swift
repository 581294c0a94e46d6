import AdminCore
import ConnectCore
import Foundation

/// Failure: one failure with every field, its detail (the qsh explanation) wrapped in full, and
/// the ways on: its tenant, or the token lab with the same request.
struct FailureModel: ScreenModel {
    static let id = ScreenID.failure
    static let bindings: [KeyBinding] = [
        KeyBinding(keys: [.enter, .character("o")], label: "Enter o", action: .openTenant, hint: "tenant", help: "open this failure's tenant", bar: true),
        KeyBinding(keys: [.character("l")], label: "l", action: .openLab, hint: "lab",
                   help: "token lab with this request's tenant, method and path", bar: true),
        KeyBinding(keys: [.character("c")], label: "c", action: .copy, hint: "copy", help: "copy the detail text (OSC 52)", bar: true),
    ]

    var failure: AuthFailure?
    /// Lines of the detail scrolled off the top.
    private(set) var scroll = 0

    var crumb: String { "Failure" + (failure.map { " #\($0.id)" } ?? "") }

    mutating func perform(_ action: Action, _ context: inout ScreenContext) {
        guard let failure else { return }
        switch action {
        case .openTenant:
            guard let key = failure.clientKey else { context.status = "this failure names no tenant"; return }
            context.navigation = .tenant(key)
        case .openLab:
            context.navigation = .lab(TokenLab.Preset(tenant: failure.clientKey ?? "", method: failure.method, url: failure.path))
        case .copy:
            context.clipboard = failure.detail
            context.status = "copied the detail (OSC 52)"
        case .up: scroll = max(0, scroll - 1)
        case .down: scroll += 1
        case .pageUp: scroll = max(0, scroll - 10)
        case .pageDown: scroll += 10
        case .home: scroll = 0
        default: break
        }
    }

    mutating func show(_ failure: AuthFailure) {
        self.failure = failure
        scroll = 0
    }

    /// A failure row does not change once written.
    mutating func refresh(_ context: inout ScreenContext, forced: Bool) {}
    mutating func receive(_ answer: Answer, _ context: inout ScreenContext) {}
    mutating func tailArrived(_ failures: [AuthFailure], _ context: inout ScreenContext) {}
}
