// RowJSON's UTF-8 check against the standard library's validating initialiser (its naive twin) on every
// kind of malformed sequence, including those whose U+FFFD repair keeps the byte count.
import Foundation
import GlossaTestSupport
import Testing

@testable import GlossaCollection

@Suite struct RowJSONTests {
    @Test("validUTF8 accepts and refuses exactly what String(validating:as:) does")
    func validUTF8MatchesTheStandardLibrary() {
        let cases: [[UInt8]] = [
            [], Array("plain ascii".utf8), Array("Grüße, 世界, 🙂".utf8), [0xEF, 0xBF, 0xBD],
            [0xF0, 0x9F, 0x98], [0xF0, 0x9F, 0x98, 0x41], [0xE2, 0x82], [0xC0, 0xAF], [0xED, 0xA0, 0x80],
            [0xF4, 0x90, 0x80, 0x80], [0xFF], [0x80], [0x41, 0xC3], [0xF0, 0x9F, 0x98, 0x81, 0x9F],
        ]
        var random = SplitMixBytes(seed: 7)
        let generated = (0..<20_000).map { _ in random.bytes(count: Int(random.next() % 9)) }
        for bytes in cases + generated {
            let expected = String(validating: bytes, as: UTF8.self)
            let got = bytes.withUnsafeBufferPointer(RowJSON.Scanner.validUTF8)
            #expect(got == expected, "\(bytes.map { String($0, radix: 16) })")
        }
    }
}

/// Random short byte strings biased towards UTF-8 lead and continuation bytes.
private struct SplitMixBytes {
    private var bits: SplitMix64
    init(seed: UInt64) { bits = SplitMix64(seed: seed) }
    mutating func next() -> UInt64 { bits.next() }
    mutating func bytes(count: Int) -> [UInt8] {
        let alphabet: [UInt8] = [0x41, 0x7F, 0x80, 0x9F, 0xA0, 0xBF, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF]
        return (0..<count).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }
    }
}
