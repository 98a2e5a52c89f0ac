// `GlossaBench search ...` is the vector-search benchmark (SearchBench.swift, run by Benchmarks/run-search.sh).
if CommandLine.arguments.count > 1, CommandLine.arguments[1] == "search" { SearchBench.main(CommandLine.arguments) }
// `GlossaBench encode | sgemm | int8gemm | attention | quantize | encode-parity | fidelity ...` are the encoder benchmarks
// (EncodeBench.swift and FidelityBench.swift; run-encode.sh, run-fidelity.sh).
if CommandLine.arguments.count > 1,
    ["encode", "sgemm", "int8gemm", "attention", "quantize", "encode-parity", "fidelity", "repeat"].contains(
        CommandLine.arguments[1])
{
    EncodeBench.main(CommandLine.arguments)
}
// `GlossaBench scale ...` searches a collection as users do (ScaleBench.swift, run by Benchmarks/run-scale.sh).
if CommandLine.arguments.count > 1, CommandLine.arguments[1] == "scale" { ScaleBench.main(CommandLine.arguments) }
print("GlossaBench: placeholder")
