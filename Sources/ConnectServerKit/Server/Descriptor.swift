import AdminCore
import ConnectCore
import Foundation

/// The app descriptor (`/atlassian-connect.json`): the author's file, or a minimal one, with
/// `baseUrl` and the lifecycle URLs filled in so that they always point at this server.
public enum Descriptor {
    /// A descriptor file that cannot be served, in one sentence naming the file.
    public struct Unusable: Error, CustomStringConvertible {
        public var description: String
    }

    public static func json(configuration: ServerConfiguration) throws(Unusable) -> String {
        var descriptor: JSONObject
        if let path = configuration.descriptorFile {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw Unusable(description: "cannot read the --descriptor file \(path): check the path and its permissions")
            }
            let parsed: JSONValue
            do {
                parsed = try StrictJSONParser(maxDepth: 64).parse(Array(data))
            } catch {
                throw Unusable(description: "the --descriptor file \(path) is not valid JSON: \(error.description)")
            }
            guard case .object(let object) = parsed else {
                throw Unusable(description: "the --descriptor file \(path) is not a JSON object")
            }
            descriptor = object
        } else {
            descriptor = defaultDescriptor(appKey: configuration.appKey)
        }
        descriptor["baseUrl"] = .string(configuration.baseURLs.first ?? "")
        descriptor["authentication"] = .object(JSONObject(["type": .string("jwt")]))
        descriptor["lifecycle"] = .object(JSONObject([
            "installed": .string("/installed"), "uninstalled": .string("/uninstalled"),
            "enabled": .string("/enabled"), "disabled": .string("/disabled"),
        ]))
        var migrations = descriptor["apiMigrations"]?.objectValue ?? JSONObject()
        migrations["signed-install"] = .bool(!configuration.legacyInstall)
        migrations["context-qsh"] = .bool(true)
        descriptor["apiMigrations"] = .object(migrations)
        return JSONValue.object(descriptor).jsonText()
    }

    static func defaultDescriptor(appKey: String) -> JSONObject {
        JSONObject([
            "key": .string(appKey),
            "name": .string("ConnectAdmin demo app"),
            "description": .string("A Connect app served by connect-server"),
            "vendor": .object(JSONObject(["name": .string("ConnectAdmin"), "url": .string("https://example.com")])),
            "scopes": .array([.string("READ")]),
            "modules": .object(JSONObject([
                "generalPages": .array([.object(JSONObject([
                    "key": .string("hello"), "url": .string("/pages/hello"),
                    "name": .object(JSONObject(["value": .string("Hello")])),
                ]))]),
                "webhooks": .array([.object(JSONObject([
                    "event": .string("jira:issue_created"), "url": .string("/webhooks/jira:issue_created"),
                ]))]),
            ])),
        ])
    }
}
