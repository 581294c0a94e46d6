import AdminCore
import ConnectCore
import Foundation

/// One tenant: its record (the secret masked unless revealed for 10 s), its install history
/// and its recent failures.
struct TenantModel: ScreenModel {
    static let id = ScreenID.tenant
    static let bindings: [KeyBinding] = [
        KeyBinding(keys: [.character("R")], label: "R", action: .reveal, hint: "reveal",
                   help: "reveal the shared secret (asks first; hidden again after 10 s)", bar: true),
        KeyBinding(keys: [.character("l")], label: "l", action: .openLab, hint: "lab", help: "token lab for this tenant", bar: true),
        KeyBinding(keys: [.character("c")], label: "c", action: .copy, hint: "copy", help: "copy the secret's fingerprint (OSC 52)", bar: true),
    ]
    static let revealSeconds: TimeInterval = 10

    private(set) var clientKey: String?
    private(set) var detail: TenantDetail?
    private(set) var loading = false
    var isLoading: Bool { loading }
    private(set) var error: String?
    private(set) var revealedUntil: Date?

    var crumb: String { "Tenant \(clientKey.map(Cell.clean) ?? "")" }

    mutating func open(_ key: String, _ context: inout ScreenContext) {
        clientKey = key
        detail = nil
        error = nil
        revealedUntil = nil
        loading = true
        context.ask(.tenant, .tenantDetail(key))
    }

    func revealed(at now: Date) -> Bool { revealedUntil.map { $0 > now } ?? false }

    mutating func perform(_ action: Action, _ context: inout ScreenContext) {
        switch action {
        case .reveal:
            guard detail?.tenant != nil else { return }
            context.confirmation = .init(prompt: "Reveal the shared secret on screen for 10 s? (y/N)", action: .revealConfirmed)
        case .revealConfirmed:
            revealedUntil = context.now.addingTimeInterval(Self.revealSeconds)
            context.status = "secret shown for 10 s"
        case .copy:
            context.clipboard = detail?.tenant?.secretFingerprint
            context.status = context.clipboard == nil ? "nothing to copy" : "copied the secret's fingerprint (OSC 52)"
        case .openLab:
            if let clientKey { context.navigation = .lab(TokenLab.Preset(tenant: clientKey)) }
        case .refresh:
            refresh(&context, forced: true)
        default: break
        }
    }

    mutating func refresh(_ context: inout ScreenContext, forced: Bool) {
        guard let clientKey else { return }
        if forced { context.ask(.tenant, .tenantDetail(clientKey)) } else { context.poll(.tenant, .tenantDetail(clientKey)) }
    }

    mutating func receive(_ answer: Answer, _ context: inout ScreenContext) {
        loading = false
        switch answer {
        case .tenantDetail(let answer) where answer.clientKey == clientKey:
            detail = answer
            error = answer.tenant == nil ? "no tenant \(Cell.clean(answer.clientKey)) in the store" : nil
        case .failed(let message):
            error = message
        default: break
        }
    }
}
