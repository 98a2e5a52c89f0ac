// Shared text input of the per-line commands (tokenize, embed): one text per standard-input line, or
// with --jsonl one JSON object per line with a string field "text". Errors name the input and the line.
import ArgumentParser
import Foundation
import GlossaCore

/// `--jsonl`, and the reading of texts from standard input in bounded chunks.
struct TextInputOptions: ParsableArguments {
    @Flag(name: .long, help: "Each input line is a JSON object with a string field \"text\".")
    var jsonl = false

    /// The name errors give standard input.
    static let standardInputName = "<stdin>"

    /// Reads every line of `handle` and calls `body` with the texts in input order, at most `chunkSize` at a
    /// time (every call but the last gets exactly `chunkSize`). On a line that is not valid UTF-8, or with
    /// --jsonl not a JSON object with a string "text", the texts before it are passed to `body` first, so that
    /// output lines up with input, and then an `InputError` naming `inputName` and the line is thrown.
    func forEachChunk(
        of chunkSize: Int,
        from handle: FileHandle = .standardInput,
        inputName: String = TextInputOptions.standardInputName,
        _ body: ([String]) throws -> Void
    ) throws {
        precondition(chunkSize > 0, "chunkSize must be positive")
        var pending: [String] = []
        pending.reserveCapacity(chunkSize)
        for line in LineReader(handle: handle) {
            let text: String
            do {
                text = try parse(line, inputName: inputName)
            } catch {
                if !pending.isEmpty { try body(pending) }
                throw error
            }
            pending.append(text)
            if pending.count == chunkSize {
                try body(pending)
                pending.removeAll(keepingCapacity: true)
            }
        }
        if !pending.isEmpty { try body(pending) }
    }

    private struct JSONLine: Decodable {
        let text: String
    }

    /// The text of one input line; throws `InputError` naming the line.
    private func parse(_ line: InputLine, inputName: String) throws -> String {
        let raw = try line.text(path: inputName)
        guard jsonl else { return raw }
        do {
            return try JSONDecoder().decode(JSONLine.self, from: Data(line.bytes)).text
        } catch {
            throw InputError.malformedLine(
                path: inputName, line: line.number, field: "text",
                reason: "expected a JSON object with a string field \"text\"")
        }
    }
}
