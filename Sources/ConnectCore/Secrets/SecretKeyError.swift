/// A key file that cannot be read, created or used, in one sentence naming what to fix.
public struct SecretKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
