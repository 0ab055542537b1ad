// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Sluice",
    products: [
        .executable(name: "runner", targets: ["runner"]),
        .library(name: "SluiceCore", targets: ["SluiceCore"]),
        .library(name: "SluiceTesting", targets: ["SluiceTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2")
    ],
    targets: [
        // A thin extern "C" shim over simdjson (Debian's libsimdjson-dev): one call parses one document
        // into a flat token array that Swift turns into values.
        .target(
            name: "CSimdjson",
            path: "Sources/CSimdjson",
            cxxSettings: [.unsafeFlags(["-O3"])],
            linkerSettings: [.linkedLibrary("simdjson")]
        ),
        // The system libyaml (Debian's libyaml-dev): the config loader reads its event stream.
        .systemLibrary(name: "CYAML", path: "Sources/CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // The system SQLite (Debian's libsqlite3-dev) through its C API.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // Events, values, diagnostics, options, expressions, JSON and the stage registry:
        // the API that stages and plugins build on.
        .target(name: "SluiceCore", dependencies: ["CSimdjson"]),
        // YAML → PipelineDefinition, keeping source positions.
        .target(name: "SluiceConfig", dependencies: ["SluiceCore", "CYAML"]),
        // PipelineDefinition + registry → StageGraph.
        .target(name: "SluiceGraph", dependencies: ["SluiceCore", "SluiceConfig"]),
        // Worker pool, bounded queues, scheduling and metrics.
        .target(name: "SluiceEngine", dependencies: ["SluiceCore", "SluiceGraph"]),
        // Long-running services around the engine: the file watcher and the reloading supervisor.
        .target(name: "SluiceService", dependencies: ["SluiceCore", "SluiceConfig", "SluiceGraph", "SluiceEngine"]),
        // Databases: SQLite connections, table schemas, batched upserts and read-only queries.
        .target(name: "SluiceStorage", dependencies: ["SluiceCore", "CSQLite"]),
        // The built-in stages, registered exactly as a plugin would be.
        .target(name: "SluiceStages", dependencies: ["SluiceCore", "SluiceStorage"]),
        // What stage and plugin authors test with: configs read from YAML, a processor harness, a source
        // output that collects, test stages (an in-memory source and sink) and YAML run on a real engine.
        .target(name: "SluiceTesting", dependencies: ["SluiceCore", "SluiceConfig", "SluiceGraph", "SluiceEngine"]),
        .executableTarget(
            name: "runner",
            dependencies: [
                "SluiceCore", "SluiceConfig", "SluiceGraph", "SluiceEngine", "SluiceService", "SluiceStages",
                "SluiceStorage", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "sluice-bench",
            dependencies: [
                "SluiceCore", "SluiceEngine", "SluiceGraph", "SluiceConfig", "SluiceStages", "SluiceStorage",
                "SluiceTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/Sources/sluice-bench"
        ),
        .testTarget(name: "SluiceCoreTests", dependencies: ["SluiceCore"]),
        .testTarget(name: "SluiceConfigTests", dependencies: ["SluiceConfig"]),
        .testTarget(name: "SluiceGraphTests", dependencies: ["SluiceGraph", "SluiceStages", "SluiceTesting"]),
        .testTarget(name: "SluiceEngineTests", dependencies: ["SluiceEngine", "SluiceStages", "SluiceTesting"]),
        .testTarget(
            name: "SluiceStagesTests",
            dependencies: ["SluiceStages", "SluiceEngine", "SluiceGraph", "SluiceConfig", "SluiceStorage", "SluiceTesting"]),
        .testTarget(name: "SluiceStorageTests", dependencies: ["SluiceStorage"]),
        .testTarget(name: "SluiceServiceTests", dependencies: ["SluiceService", "SluiceTesting"]),
        .testTarget(name: "RunnerTests", dependencies: ["runner", "SluiceStorage", "SluiceTesting"]),
    ],
    // simdjson's header needs C++17; only the CSimdjson shim is C++.
    cxxLanguageStandard: .cxx17
)
