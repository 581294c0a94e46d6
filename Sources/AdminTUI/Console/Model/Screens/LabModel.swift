import AdminCore
import ConnectCore
import Foundation

/// The token lab: sign a token for a tenant, or paste one and see every check the server
/// would make. Fields are edited in place (Tab to reach them); pasting a token anywhere in
/// verify mode puts it in the token field.
struct LabModel: ScreenModel {
    static let id = ScreenID.lab
    static let bindings: [KeyBinding] = [
        KeyBinding(keys: [.enter], label: "Enter", action: .open, hint: "run", help: "verify the token / sign a new one", bar: true),
        KeyBinding(keys: [.tab], label: "Tab", action: .labNextField, hint: "edit", help: "edit the fields (Tab/Shift-Tab move, Esc stops)", bar: true),
        KeyBinding(keys: [.backTab], label: "S-Tab", action: .labPreviousField, hint: "field", help: "previous field"),
        KeyBinding(keys: [.character("m")], label: "m", action: .labMode, hint: "mode", help: "switch sign / verify", bar: true),
        KeyBinding(keys: [.character("c")], label: "c", action: .copy, hint: "copy", help: "copy the signed (or pasted) token (OSC 52)", bar: true),
    ]

    private(set) var mode = TokenLab.Mode.verify
    private(set) var editors: [TokenLab.Field: LineEditor] = [
        .tenant: LineEditor(), .account: LineEditor(), .method: LineEditor("GET"), .url: LineEditor("/rest/api/3/myself"),
        .ttl: LineEditor(TokenLab.Kind.request.defaultTTL), .token: LineEditor(),
    ]
    private(set) var kind = TokenLab.Kind.request
    /// The field being edited; `nil` when keys are commands.
    private(set) var focus: TokenLab.Field?

    private(set) var explanation: TokenExplanation?
    private(set) var signed: TokenLab.SignedToken?
    private(set) var error: String?
    /// Lines of the result scrolled off the top (Up/Down/PgUp/PgDn when no field is edited).
    private(set) var scroll = 0

    /// The fields that matter for what is being done: an assertion names a user and no
    /// request; a context token names neither.
    var fields: [TokenLab.Field] {
        guard mode == .sign else { return [.tenant, .method, .url, .token] }
        switch kind {
        case .request, .outbound: return [.tenant, .kind, .method, .url, .ttl]
        case .context: return [.tenant, .kind, .ttl]
        case .user: return [.tenant, .kind, .account, .ttl]
        }
    }

    func value(_ field: TokenLab.Field) -> String {
        field == .kind ? kind.rawValue : editors[field]?.text ?? ""
    }

    func editor(_ field: TokenLab.Field) -> LineEditor? { editors[field] }

    mutating func set(_ field: TokenLab.Field, _ text: String) { editors[field] = LineEditor(text) }

    mutating func apply(_ preset: TokenLab.Preset) {
        set(.tenant, preset.tenant)
        if let method = preset.method { set(.method, method) }
        if let url = preset.url {
            set(.url, url)
            mode = .verify
        }
        focus = nil
    }

    mutating func perform(_ action: Action, _ context: inout ScreenContext) {
        switch action {
        case .open: run(&context)
        case .labMode:
            mode = mode == .verify ? .sign : .verify
            focus = nil
        case .labNextField: moveFocus(1)
        case .labPreviousField: moveFocus(-1)
        case .up: scroll = max(0, scroll - 1)
        case .down: scroll += 1
        case .pageUp: scroll = max(0, scroll - 10)
        case .pageDown: scroll += 10
        case .home: scroll = 0
        case .copy:
            let token = signed?.token ?? value(.token)
            context.clipboard = token.isEmpty ? nil : token
            context.status = token.isEmpty ? "nothing to copy" : "copied the token (OSC 52)"
        default: break
        }
    }

    private mutating func moveFocus(_ step: Int) {
        let all = fields
        let current = focus.flatMap { all.firstIndex(of: $0) }
        let next = current.map { ($0 + step + all.count) % all.count } ?? (step > 0 ? 0 : all.count - 1)
        focus = all[next]
    }

    /// While a field is focused it takes every key but Esc (stop editing), Tab/Up/Down (move),
    /// Enter (run) and Ctrl-C; a paste in verify mode goes to the token field.
    mutating func edit(_ key: Key, _ context: inout ScreenContext) -> Bool {
        if focus == nil, mode == .verify, case .paste = key { focus = .token }
        guard let field = focus else { return false }
        switch key {
        case .escape: focus = nil
        case .tab, .down: moveFocus(1)
        case .backTab, .up: moveFocus(-1)
        case .enter: run(&context)
        default:
            if field == .kind {
                // The kind is a choice: any key steps through the kinds.
                if key == .left || key == .backspace { stepKind(-1) } else if key != .resize { stepKind(1) }
            } else if var editor = editors[field], editor.handle(key) {
                editors[field] = editor
            }
        }
        return true
    }

    private mutating func stepKind(_ step: Int) {
        let all = TokenLab.Kind.allCases
        let previous = kind
        kind = all[((all.firstIndex(of: kind) ?? 0) + step + all.count) % all.count]
        // A TTL nobody changed follows the kind (an assertion lives at most 60 s).
        if value(.ttl) == previous.defaultTTL { set(.ttl, kind.defaultTTL) }
    }

    mutating func run(_ context: inout ScreenContext) {
        error = nil
        let tenant = value(.tenant).trimmingCharacters(in: .whitespaces)
        switch mode {
        case .verify:
            let token = value(.token).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { error = "paste a token into the token field (Tab to reach it)"; return }
            context.ask(.lab, .labVerify(token: token, method: value(.method), url: value(.url), tenant: tenant))
        case .sign:
            guard !tenant.isEmpty else { error = "name the tenant (its clientKey) in the tenant field"; return }
            let longest = kind == .user ? UserAssertion.maximumLifetime : 86_400
            guard let ttl = Int64(value(.ttl)), ttl > 0, ttl <= longest else { error = "TTL must be 1 to \(longest) seconds"; return }
            let account = value(.account).trimmingCharacters(in: .whitespaces)
            if kind == .user && account.isEmpty { error = "name the user to act as (their account id) in the account field"; return }
            context.ask(.lab, .labSign(tenant: tenant, method: value(.method), url: value(.url), kind: kind, ttl: ttl, accountID: account))
        }
    }

    mutating func refresh(_ context: inout ScreenContext, forced: Bool) {}
    mutating func tailArrived(_ failures: [AuthFailure], _ context: inout ScreenContext) {}

    mutating func receive(_ answer: Answer, _ context: inout ScreenContext) {
        switch answer {
        case .labVerified(let verified):
            scroll = 0
            explanation = verified
            signed = nil
        case .labSigned(let token):
            scroll = 0
            signed = token
            explanation = nil
            set(.token, token.token)
        case .failed(let message):
            error = message
        default: break
        }
    }
}
