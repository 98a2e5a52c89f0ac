// Runs the built `glossa serve` as a child process on a free loopback port and talks to it over real
// HTTP (URLSession), so the tests see what a client sees: status codes, headers, JSON bodies, and the
// process's exit status after SIGTERM.
import Foundation
import GlossaTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP response.
struct HTTPReply: Sendable {
    let status: Int
    let headers: [String: String]
    let body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }

    /// `error.param` and `error.message` of an error body.
    var errorParam: String? { (json["error"] as? [String: Any])?["param"] as? String }
    var errorMessage: String { ((json["error"] as? [String: Any])?["message"] as? String) ?? "" }

    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

enum ServerProcessError: Error, CustomStringConvertible {
    case noListeningLine(output: String)
    case notReady(String)

    var description: String {
        switch self {
        case .noListeningLine(let output): return "glossa serve printed no listening line; it said: \(output)"
        case .notReady(let reason): return "glossa serve did not become ready: \(reason)"
        }
    }
}

/// A child's output stream written to a temp file, read back whole. Files, not pipes with a
/// `readabilityHandler`: Foundation's handler is a dispatch source on the pipe, which a server killed
/// with SIGKILL and a ServerProcess replaced right after left registered on a closed descriptor, and
/// libdispatch's event loop crashed the whole test process (SIGSEGV in _dispatch_event_loop_drain, seen
/// once in the kill -9 test on 2026-12-08).
final class OutputFile: @unchecked Sendable {
    let url: URL
    let handle: FileHandle

    init(_ name: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("glossa-serve-\(name)-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        handle = try FileHandle(forWritingTo: url)
    }

    var text: String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

    deinit {
        try? handle.close()
        try? FileManager.default.removeItem(at: url)
    }
}

/// Accumulates output handed to it from other threads.
final class OutputBox: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func append(_ chunk: Data) { lock.withLock { data.append(chunk) } }
    var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
}

/// A running `glossa serve`.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let root: URL
    private(set) var baseURL = URL(string: "http://127.0.0.1")!
    let stdout: OutputFile
    let stderr: OutputFile
    private let session: URLSession

    static var binary: URL { TestLocations.repoRoot.appendingPathComponent(".build/release/glossa") }

    /// Starts `glossa serve --port 0 --root <root> arguments…` and waits until /ready answers 200.
    init(root: URL, arguments: [String] = [], waitReady: Bool = true) async throws {
        self.root = root
        stdout = try OutputFile("stdout")
        stderr = try OutputFile("stderr")
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 120
        session = URLSession(configuration: configuration)
        process.executableURL = Self.binary
        process.arguments = ["serve", "--port", "0", "--root", root.path,
                             "--model", TestLocations.modelFolder.path] + arguments
        process.currentDirectoryURL = TestLocations.repoRoot
        process.standardOutput = stdout.handle
        process.standardError = stderr.handle
        try process.run()
        baseURL = try await waitForListening()
        if waitReady { try await waitUntilReady() }
    }

    private func waitForListening() async throws -> URL {
        for _ in 0..<1200 {
            if let line = stdout.text.split(separator: "\n").first(where: { $0.contains("listening on ") }),
                let address = line.split(separator: " ").last, let url = URL(string: String(address))
            {
                return url
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ServerProcessError.noListeningLine(output: stdout.text + stderr.text)
    }

    func waitUntilReady() async throws {
        for _ in 0..<600 {
            if let reply = try? await request("GET", "/ready"), reply.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ServerProcessError.notReady(stderr.text)
    }

    /// One request; `json` is serialised as the body.
    func request(_ method: String, _ path: String, json: Any? = nil, body: Data? = nil,
                 headers: [String: String] = [:]) async throws -> HTTPReply
    {
        var request = URLRequest(url: URL(string: baseURL.absoluteString + path)!)
        request.httpMethod = method
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let body {
            request.httpBody = body
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields { fields["\(key)"] = "\(value)" }
        return HTTPReply(status: http.statusCode, headers: fields, body: data)
    }

    /// SIGTERM, then the exit status (the server shuts down gracefully).
    @discardableResult
    func terminate() async throws -> Int32 {
        if process.isRunning { process.terminate() }
        for _ in 0..<600 where process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return -1
        }
        return process.terminationStatus
    }

    /// SIGKILL: no shutdown at all.
    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// A fresh temp folder for a server's collections.
    static func makeRoot(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("glossa-serve-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The sample documents (samples/passages.jsonl) as JSON objects.
    static func samplePassages() throws -> [[String: Any]] {
        let text = try String(contentsOf: TestLocations.repoRoot.appendingPathComponent("samples/passages.jsonl"),
                              encoding: .utf8)
        return try text.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }
}
