import CFuzzer
import Foundation

/// The entry point shared by every fuzz target (each `Sources/fuzz-NAME/` links this file):
/// the property checked is the one named by the executable, `fuzz-NAME`. A violated property
/// crashes on purpose, so libFuzzer saves the input that broke it.
///
/// SwiftPM owns an executable's `main`, so `main` hands over to libFuzzer's driver instead of
/// using libFuzzer's own `main`.
let property: @Sendable ([UInt8]) -> String? = {
    let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").lastPathComponent
    let name = String(executable.dropFirst("fuzz-".count))
    guard let property = FuzzProperties.all[name] else { fatalError("no fuzz property named \(name)") }
    return property
}()

func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    if let problem = property(input) { fatalError(problem) }
    return 0
}

@main enum FuzzMain {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) })
    }
}
