import AdminCore
import CommandLineSupport
import ConnectCore
import ArgumentParser

/// `connect-admin jwt decode`: show a token's header and claims without trusting them.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode", abstract: "Decode a token's header and claims (nothing is verified).")

    @Argument(help: "The token, or '-' to read it from stdin.")
    var token: String

    @Flag(help: "Print one JSON object: {\"header\", \"claims\", \"fingerprint\"}.")
    var json = false

    func run() throws {
        let text = try TokenArgument.read(token)
        let decoded: ConnectToken
        do {
            decoded = try ConnectToken.decode(text)
        } catch {
            throw CommandFailure.negative("cannot decode the token (\(error.reason.rawValue)): \(error.detail)")
        }
        if json {
            Standard.output(JSONValue.object(JSONObject([
                "header": .object(decoded.header), "claims": .object(decoded.claims),
                "fingerprint": .string(decoded.fingerprint), "signatureBytes": .integer(Int64(decoded.signature.count)),
            ])).jsonText())
            return
        }
        var rows: [[String]] = [["fingerprint", decoded.fingerprint]]
        rows += decoded.header.members.map { ["header." + $0.key, ReportRendering.describe($0.key, $0.value)] }
        rows += decoded.claims.members.map { ["claims." + $0.key, ReportRendering.describe($0.key, $0.value)] }
        rows.append(["signature", "\(decoded.signature.count) bytes (not verified)"])
        Standard.output(Standard.table(rows))
    }
}
