// What every fuzz target's entry point shares: handing argc/argv and the target's callback to libFuzzer's driver.
//
// SwiftPM links a debug executable with `main` renamed to `<module>_main` (so that tests may import it); each
// target defines that symbol with @_cdecl and calls `runLibFuzzer` from it. Built without the renaming,
// libFuzzer's own main runs instead and calls the target's LLVMFuzzerTestOneInput.

/// Runs libFuzzer's driver over `callback` (one input's bytes, or nil for none) with the process's arguments.
public func runLibFuzzer(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ callback: @convention(c) (UnsafeRawPointer?, Int) -> CInt
) -> CInt {
    var argc = argc
    var argv = argv
    return runFuzzerDriver(&argc, &argv, callback)
}

@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafeRawPointer?, Int) -> CInt
) -> CInt
