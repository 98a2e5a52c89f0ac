// libFuzzer target: arbitrary bytes as config.json. ModelConfig must decode or throw ModelError; a decoded
// config written back with jsonData() (what the importer writes) decodes to an equal config.
import Foundation
import GlossaModel
import FuzzSupport

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

// The renamed `main` of a SwiftPM debug executable; see FuzzSupport.
@_cdecl("FuzzModelConfig_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    return runLibFuzzer(argc, argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
}
