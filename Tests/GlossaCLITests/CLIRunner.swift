// Runs the built `glossa` binary (.build/release/glossa) as a child process with stdin/stdout/stderr pipes,
// so that the CLI tests check what a user sees: exit status, standard output and error messages.
import Foundation
import GlossaTestSupport
import Testing

/// What one run of `glossa` produced.
struct CLIResult {
    let status: Int32
    let stdout: Data
    let stderr: Data

    var out: String { String(decoding: stdout, as: UTF8.self) }
    var err: String { String(decoding: stderr, as: UTF8.self) }

    /// A one-line summary for failure messages.
    var summary: String { "exit \(status); stderr: \(err.prefix(600)); stdout: \(out.prefix(300))" }
}

/// Errors of the test harness itself (not of glossa).
enum CLIRunnerError: Error, CustomStringConvertible {
    case binaryMissing(path: String)

    var description: String {
        switch self {
        case .binaryMissing(let path):
            return "\(path) does not exist or is not executable; build it first with "
                + "`swift build -c release --product glossa` (or run `swift test -c release -Xswiftc -enable-testing`)."
        }
    }
}

/// Collects the bytes of a pipe read on another thread.
private final class DataBox: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    func set(_ value: Data) { lock.withLock { data = value } }
    func get() -> Data { lock.withLock { data } }
}

enum CLI {
    /// `.build/release/glossa` under the repository root.
    static var binary: URL { TestLocations.repoRoot.appendingPathComponent(".build/release/glossa") }

    /// Runs `glossa arguments…` with `stdin` as its standard input, in `directory` (default: the repo root),
    /// with GLOSSA_MODEL set to the test model folder unless `environment` overrides it.
    static func run(
        _ arguments: [String], stdin: Data = Data(), directory: URL? = nil, environment: [String: String] = [:]
    ) throws -> CLIResult {
        let path = binary.path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw CLIRunnerError.binaryMissing(path: path)
        }
        // A child that exits before reading its input must not kill the test process with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? TestLocations.repoRoot
        var env = ProcessInfo.processInfo.environment
        env["GLOSSA_MODEL"] = TestLocations.modelFolder.path
        env.removeValue(forKey: "COLUMNS")
        for (key, value) in environment { env[key] = value }
        process.environment = env

        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()

        // Feed stdin and drain stderr on other threads so that neither side blocks on a full pipe.
        let group = DispatchGroup()
        let errBox = DataBox()
        let writer = input.fileHandleForWriting
        let errReader = errors.fileHandleForReading
        DispatchQueue.global().async(group: group) {
            // A child that exits early closes its end; the write error is then irrelevant to the test.
            try? writer.write(contentsOf: stdin)
            try? writer.close()
        }
        DispatchQueue.global().async(group: group) {
            errBox.set(errReader.readDataToEndOfFile())
        }
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return CLIResult(status: process.terminationStatus, stdout: outData, stderr: errBox.get())
    }

    /// `lines` joined with "\n" (and a final newline) as UTF-8.
    static func lines(_ lines: [String]) -> Data { Data((lines.joined(separator: "\n") + "\n").utf8) }

    /// A fresh empty folder under the system temp directory; remove it with `removeTemp`.
    static func makeTemp(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("glossa-cli-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func removeTemp(_ url: URL) { try? FileManager.default.removeItem(at: url) }

    /// Parses each non-empty line of `text` as a JSON array of numbers.
    static func parseArrays(_ text: String) throws -> [[Double]] {
        try text.split(separator: "\n").map { line in
            try JSONDecoder().decode([Double].self, from: Data(line.utf8))
        }
    }
}
