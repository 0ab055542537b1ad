// swift-tools-version: 6.0
import PackageDescription

/// Swift plugins built into `runner` (docs/plugins.md): each is a target named `module` at `path` (under
/// plugins/) that depends on SluiceCore alone and defines `public enum Plugin: SwiftPlugin`. Adding a
/// line here is all it takes: the SwiftPluginList build tool generates the registration list.
let swiftPlugins: [(module: String, path: String)] = [
    ("UnitsPlugin", "plugins/units")
]

let package = Package(
    name: "Sluice",
    products: [
        .executable(name: "runner", targets: ["runner"]),
        .library(name: "SluiceCore", targets: ["SluiceCore"]),
        .library(name: "SluiceTesting", targets: ["SluiceTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        // In-process WebAssembly plugins; exact, since the plugin runtime uses its store's resource limiter.
        .package(url: "https://github.com/swiftwasm/WasmKit.git", exact: "0.4.2"),
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
        // A thin extern "C" shim over RE2 (Debian's libre2-dev): expressions' regular expressions, matched
        // in time linear in the text.
        .target(
            name: "CRE2",
            path: "Sources/CRE2",
            linkerSettings: [.linkedLibrary("re2")]
        ),
        // The system libyaml (Debian's libyaml-dev): the config loader reads its event stream.
        .systemLibrary(name: "CYAML", path: "Sources/CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // The system SQLite (Debian's libsqlite3-dev) through its C API.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // libpq, PostgreSQL's own C client (Debian's libpq-dev); docs/ARCHITECTURE.md says why not postgres-nio.
        .systemLibrary(name: "CPostgres", path: "Sources/CPostgres", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // The system librdkafka (Debian's librdkafka-dev) with its mock cluster, for the Kafka stages.
        .systemLibrary(
            name: "CRdKafka", path: "Sources/CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        // Events, values, diagnostics, options, expressions, JSON and the stage registry:
        // the API that stages and plugins build on.
        .target(
            name: "SluiceCore",
            dependencies: ["CSimdjson", "CRE2", .product(name: "Logging", package: "swift-log")]),
        // YAML → PipelineDefinition, keeping source positions.
        .target(name: "SluiceConfig", dependencies: ["SluiceCore", "CYAML"]),
        // PipelineDefinition + registry → StageGraph.
        .target(name: "SluiceGraph", dependencies: ["SluiceCore", "SluiceConfig"]),
        // Worker pool, bounded queues, scheduling and metrics.
        .target(
            name: "SluiceEngine",
            dependencies: ["SluiceCore", "SluiceGraph", .product(name: "Logging", package: "swift-log")]),
        // Long-running services around the engine: the file watcher, the reloading supervisor, the
        // ServiceLifecycle services that run them, and the log format.
        .target(
            name: "SluiceService",
            dependencies: [
                "SluiceCore", "SluiceConfig", "SluiceGraph", "SluiceEngine",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // The runner's HTTP API (Hummingbird): /metrics, /health, /ready, /api/pipelines, the tap and the
        // dashboard, and the small client `runner top` and `runner tap` use.
        .target(
            name: "SluiceAPI",
            dependencies: [
                "SluiceCore", "SluiceGraph", "SluiceEngine", "SluiceService", "SluiceStorage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        // Databases: SQLite and PostgreSQL connections, table schemas, batched upserts and read-only queries.
        .target(name: "SluiceStorage", dependencies: ["SluiceCore", "CSQLite", "CPostgres"]),
        // Kafka clients over librdkafka: a group consumer, a producer with delivery reports, the mock cluster.
        .target(name: "SluiceKafka", dependencies: ["CRdKafka"]),
        // The built-in stages, registered exactly as a plugin would be.
        .target(name: "SluiceStages", dependencies: ["SluiceCore", "SluiceStorage", "SluiceKafka"]),
        // Plugins outside the runner's code (docs/plugins.md): plugin.yaml folders read into registry entries,
        // process plugins spoken to over NDJSON frames and supervised.
        .target(
            name: "SluicePlugins",
            dependencies: ["SluiceCore", "SluiceConfig", .product(name: "WasmKit", package: "WasmKit")]),
        // The Swift plugins compiled into the runner, and the list of them that SwiftPluginList generates.
        .target(
            name: "SluiceSwiftPlugins",
            dependencies: ["SluiceCore"] + swiftPlugins.map { .target(name: $0.module) },
            plugins: ["SwiftPluginList"]),
        .plugin(name: "SwiftPluginList", capability: .buildTool(), path: "Sources/SwiftPluginList"),
        // What stage and plugin authors test with: configs read from YAML, a processor harness, a source
        // output that collects, test stages (an in-memory source and sink) and YAML run on a real engine.
        .target(name: "SluiceTesting", dependencies: ["SluiceCore", "SluiceConfig", "SluiceGraph", "SluiceEngine"]),
        .executableTarget(
            name: "runner",
            dependencies: [
                "SluiceCore", "SluiceConfig", "SluiceGraph", "SluiceEngine", "SluiceService", "SluiceStages",
                "SluiceAPI", "SluiceStorage", "SluicePlugins", "SluiceSwiftPlugins",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "sluice-bench",
            dependencies: [
                "SluiceCore", "SluiceEngine", "SluiceGraph", "SluiceConfig", "SluiceStages", "SluiceStorage",
                "SluiceKafka", "SluiceTesting",
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
            dependencies: [
                "SluiceStages", "SluiceEngine", "SluiceGraph", "SluiceConfig", "SluiceStorage", "SluiceKafka",
                "SluiceTesting",
            ]),
        .testTarget(name: "SluiceStorageTests", dependencies: ["SluiceStorage"]),
        .testTarget(name: "SluiceKafkaTests", dependencies: ["SluiceKafka", "SluiceTesting"]),
        .testTarget(
            name: "SluicePluginsTests",
            dependencies: [
                "SluicePlugins", "SluiceSwiftPlugins", "UnitsPlugin", "SluiceConfig", "SluiceGraph", "SluiceEngine",
                "SluiceStages", "SluiceTesting",
            ]),
        .testTarget(
            name: "SluiceServiceTests",
            dependencies: ["SluiceService", "SluiceTesting", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "RunnerTests",
            dependencies: [
                "runner", "SluiceAPI", "SluiceEngine", "SluiceStorage", "SluicePlugins", "SluiceKafka", "SluiceTesting",
            ]),
    ]
        + swiftPlugins.map { .target(name: $0.module, dependencies: ["SluiceCore"], path: $0.path) },
    // simdjson's header needs C++17; only the CSimdjson and CRE2 shims are C++.
    cxxLanguageStandard: .cxx17
)
