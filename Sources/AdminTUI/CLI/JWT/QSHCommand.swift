import AdminCore
import ConnectCore
import ArgumentParser

/// `connect-admin jwt qsh`: the canonical request and its hash.
struct QSHCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qsh", abstract: "Print the canonical request and qsh of a request.")

    @OptionGroup var request: RequestOptions

    @Flag(help: "Print one JSON object: {\"canonical\": …, \"qsh\": …}.")
    var json = false

    func run() throws {
        guard let canonical = try request.canonicalRequest(required: true) else { return }
        if json {
            Standard.output(JSONValue.object(JSONObject([
                "canonical": .string(canonical.text), "qsh": .string(canonical.queryStringHash),
            ])).jsonText())
        } else {
            Standard.output(Standard.table([["canonical", canonical.text], ["qsh", canonical.queryStringHash]]))
        }
    }
}
