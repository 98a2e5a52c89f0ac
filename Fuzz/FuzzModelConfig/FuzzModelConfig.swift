// libFuzzer target: arbitrary bytes as config.json. ModelConfig must decode or throw ModelError; a decoded
// config written back with jsonData() (what the importer writes) decodes to an equal config.
import Foundation
import GlossaModel

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let config: ModelConfig
    do { config = try ModelConfig(json: Data(bytes: start, count: count), path: "config.json") } catch is ModelError {
        return 0
    } catch {
        preconditionFailure("ModelConfig threw something other than ModelError: \(error)")
    }
    do {
        let again = try ModelConfig(json: try config.jsonData(), path: "config.json (written back)")
        precondition(again == config, "config.json written back decodes differently: \(config) vs \(again)")
    } catch {
        preconditionFailure("a decoded config did not survive jsonData(): \(error)")
    }
    return 0
}

// MARK: - Entry

// SwiftPM links a debug executable with `main` renamed to `<module>_main` (so that tests may import it); this is
// that symbol, handing over to libFuzzer's driver. Built without the renaming, libFuzzer's own main runs instead.
@_cdecl("FuzzModelConfig_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return runFuzzerDriver(&argc, &argv) { data, size in
        guard let data else { return 0 }
        return fuzz(data, size)
    }
}

@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafeRawPointer?, Int) -> CInt
) -> CInt
