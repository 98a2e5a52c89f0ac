// The built release `glossa` binary, for the kill -9 tests (CrashTests, ImportCrashTests): run it, optionally
// SIGKILL it after a delay, and collect its exit status and output.
import Foundation
import GlossaTestSupport

enum ReleaseBinary {
    static let url = TestLocations.repoRoot.appendingPathComponent(".build/release/glossa")
    static var present: Bool { FileManager.default.isExecutableFile(atPath: url.path) }

    /// Runs `glossa arguments` with GLOSSA_MODEL pointing at the test model; with `killAfter`, sends SIGKILL
    /// after that many seconds if it is still running.
    static func run(_ arguments: [String], killAfter seconds: Double? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["GLOSSA_MODEL"] = TestLocations.modelFolder.path
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        if let seconds {
            Thread.sleep(forTimeInterval: seconds)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
