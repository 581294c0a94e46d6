import CFuzzer
import Foundation
import FuzzProperties

/// The fuzzer's entry point: the property checked is the one `FUZZ_TARGET` names (a key of
/// `FuzzProperties.all`, the one list of targets). A violated property crashes on purpose,
/// so libFuzzer saves the input that broke it. `--list-targets` prints the names, one a line.
///
/// SwiftPM owns an executable's `main`, so `main` hands over to libFuzzer's driver instead of
/// using libFuzzer's own `main`.
let property: @Sendable ([UInt8]) -> String? = {
    let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
    guard let property = FuzzProperties.all[name] else {
        fatalError("FUZZ_TARGET must name a fuzz target (\(FuzzProperties.all.keys.sorted().joined(separator: ", "))), not \(name)")
    }
    return property
}()

func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    if let problem = property(input) { fatalError(problem) }
    return 0
}

@main enum FuzzMain {
    static func main() {
        if CommandLine.arguments.dropFirst().first == "--list-targets" {
            print(FuzzProperties.all.keys.sorted().joined(separator: "\n"))
            return
        }
        _ = property
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) })
    }
}
