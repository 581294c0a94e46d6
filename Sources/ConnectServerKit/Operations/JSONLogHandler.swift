import AdminCore
import ConnectCore
import Foundation
import Logging
import NIOConcurrencyHelpers

/// `--log-format json`: one JSON object per line on stderr — `time`, `level`, `label`,
/// `message` and the metadata as fields — for log shippers. swift-log ships only a text
/// handler; this is the small rest.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private static let output = NIOLock()

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        let text = Self.line(level: event.level, label: label, message: event.message.description, metadata: merged,
                             error: event.error.map { String(describing: $0) })
        Self.output.withLock { FileHandle.standardError.write(Data(text.utf8)) }
    }

    /// One log line: the JSON object and its newline.
    public static func line(level: Logger.Level, label: String, message: String, metadata: Logger.Metadata, error: String? = nil) -> String {
        var fields = JSONObject([
            "time": .string(Date().ISO8601Format()), "level": .string(level.rawValue), "label": .string(label), "message": .string(message),
        ])
        if let error { fields["error"] = .string(error) }
        for (key, value) in metadata where fields[key] == nil { fields[key] = json(value) }
        return JSONValue.object(fields).jsonText() + "\n"
    }

    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): return .string(text)
        case .stringConvertible(let convertible): return .string(convertible.description)
        case .array(let values): return .array(values.map(json))
        case .dictionary(let dictionary):
            return .object(JSONObject(dictionary.sorted { $0.key < $1.key }.map { JSONObject.Member(key: $0.key, value: json($0.value)) }))
        }
    }
}
