import AdminCore
import CommandLineSupport
import ConnectCore
import ArgumentParser

/// `connect-admin secret check`: is the secret I hold the tenant's current one?
struct SecretCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret", abstract: "Check a shared secret against a tenant's secret history.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check", abstract: "Answer current, stale (with when it was replaced) or unknown.",
            discussion: "Exit 0 when current, 1 when stale or unknown.")

        @OptionGroup var storeOptions: StoreOptions

        @Option(help: "The tenant's clientKey.")
        var tenant: String

        @Option(name: .customLong("secret-file"), help: "A file holding the secret to check.")
        var secretFile: String?

        @Option(help: "The secret's fingerprint (16 hex digits) instead of the secret.")
        var fingerprint: String?

        @Flag(help: "One JSON object.")
        var json = false

        func validate() throws {
            guard (secretFile == nil) != (fingerprint == nil) else {
                throw ValidationError("give exactly one of --secret-file or --fingerprint")
            }
            if let fingerprint, fingerprint.count != 16 || !fingerprint.allSatisfy(\.isHexDigit) {
                throw ValidationError("--fingerprint must be the 16 hex digits ConnectAdmin shows")
            }
        }

        func run() async throws {
            let checked: String
            if let fingerprint {
                checked = fingerprint.lowercased()
            } else {
                guard let secret = try SecretSource(tenant: nil, secretFile: secretFile).secretFromFile() else { return }
                checked = secret.fingerprint
            }
            let match = try await storeOptions.withReader { store -> SecretMatch in
                guard try await store.tenant(clientKey: tenant) != nil else {
                    throw CommandFailure.negative("no tenant \(Sanitized.quote(tenant)) in \(store.location)")
                }
                return SecretMatch.find(fingerprint: checked, in: try await store.secretHistory(clientKey: tenant))
            }
            var object = JSONObject(["clientKey": .string(tenant), "fingerprint": .string(checked), "answer": .string(match.answer)])
            var sentence: String
            switch match {
            case .current:
                sentence = "current: \(checked) is the secret of \(tenant)"
            case .stale(_, let from, let until):
                object["currentFrom"] = .string(RecordRendering.iso(from))
                object["replacedAt"] = .string(RecordRendering.iso(until))
                sentence = "stale: \(checked) was the secret of \(tenant) from the install at \(RecordRendering.iso(from)) until it was replaced at \(RecordRendering.iso(until))"
            case .none:
                sentence = "unknown: \(checked) was never a secret of \(tenant)"
            case .unchecked(let reason):
                sentence = "unchecked: \(reason.message)"
            }
            Standard.output(json ? JSONValue.object(object).jsonText() : sentence)
            if case .current = match { return }
            throw CommandFailure.negative()
        }
    }
}
