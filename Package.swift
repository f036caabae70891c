// swift-tools-version: 6.0
import PackageDescription

// kgate: a kernel patch CI harness. One module per concern (see docs/DESIGN.md);
// each C library sits behind exactly one Swift module.
let package = Package(
    name: "kgate",
    products: [
        .executable(name: "kgate", targets: ["kgate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // C libraries (pkg-config), each wrapped by one module.
        .systemLibrary(name: "CLibGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // PostgreSQL's client (a shared results store, docs/DESIGN.md "The results store").
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // Typed wrappers for curl's variadic setopt/getinfo.
        .target(name: "CCurlShim", dependencies: ["CCurl"]),
        // fork/exec with a process group and a parent-death signal (Foundation's Process has neither).
        .target(name: "CSpawn"),

        .target(name: "KGateCore", dependencies: ["CCrypto", "CSpawn"]),
        .target(name: "HTTPClient", dependencies: ["KGateCore", "CCurl", "CCurlShim", "CZlib"]),
        .target(name: "KernelTree", dependencies: ["KGateCore", "CLibGit2"]),
        .target(name: "PatchSeries", dependencies: ["KGateCore", "HTTPClient"]),
        .target(name: "KernelBuild", dependencies: ["KGateCore"]),
        .target(name: "GuestImage", dependencies: ["KGateCore"]),
        .target(name: "VirtualMachine", dependencies: ["KGateCore"]),
        .target(name: "Workloads", dependencies: ["KGateCore", "VirtualMachine", .product(name: "Yams", package: "Yams")]),
        .target(name: "Gate", dependencies: ["KGateCore"]),
        // Guest kernel profiles: System.map symbols, samples per function, base against candidate.
        .target(name: "KernelProfile", dependencies: ["KGateCore"]),
        .target(name: "Results", dependencies: ["KGateCore", "Gate", "KernelProfile", "CLibPQ", .product(name: "GRDB", package: "GRDB.swift")]),
        // Trials, seeded boots, base and candidate side by side, the one gate step.
        .target(name: "Measurement", dependencies: [
            "KGateCore", "GuestImage", "VirtualMachine", "Workloads", "Gate", "Results", "KernelProfile",
        ]),
        // Artifact transport: export layout, manifest, import; shard and next-wave files.
        .target(name: "Artifacts", dependencies: ["KGateCore", "KernelBuild", "Results"]),
        .target(name: "Pipeline", dependencies: [
            "KGateCore", "KernelTree", "PatchSeries", "KernelBuild", "GuestImage",
            "VirtualMachine", "Workloads", "Gate", "Results", "Measurement", "Artifacts", "KernelProfile",
            .product(name: "Yams", package: "Yams"),
        ]),
        // The patchwork list bot: events poller, exactly-once claims, one check per patch.
        .target(name: "ListBot", dependencies: ["KGateCore", "HTTPClient", "KernelTree", "PatchSeries", "Gate", "Results", "Pipeline"]),
        .target(name: "KGateCommands", dependencies: [
            "KGateCore", "KernelTree", "PatchSeries", "KernelBuild", "GuestImage",
            "VirtualMachine", "Workloads", "Gate", "Results", "Measurement", "Artifacts", "Pipeline", "ListBot",
            "KernelProfile", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "kgate", dependencies: ["KGateCommands"]),

        .target(name: "TestSupport", dependencies: ["KGateCore"], path: "Tests/TestSupport", exclude: ["fake_patchwork.py"]),
        .testTarget(name: "KGateCoreTests", dependencies: ["KGateCore", "TestSupport"]),
        // The kgate executable run as a process: help texts, the command-line grammar, exit codes.
        .testTarget(name: "KGateCommandsTests", dependencies: ["KGateCore", "TestSupport"]),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "TestSupport"]),
        .testTarget(name: "KernelTreeTests", dependencies: ["KernelTree", "TestSupport"]),
        .testTarget(name: "PatchSeriesTests", dependencies: ["PatchSeries", "KernelTree", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "KernelBuildTests", dependencies: ["KernelBuild", "KernelTree", "TestSupport"]),
        .testTarget(name: "GuestImageTests", dependencies: ["GuestImage", "TestSupport"]),
        .testTarget(name: "VirtualMachineTests", dependencies: ["VirtualMachine", "GuestImage", "TestSupport"]),
        .testTarget(name: "WorkloadsTests", dependencies: ["Workloads", "VirtualMachine", "TestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "GateTests", dependencies: ["Gate", "TestSupport"]),
        .testTarget(name: "ResultsTests", dependencies: ["Results", "Gate", "KernelProfile", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")], exclude: ["Golden"]),
        .testTarget(name: "KernelProfileTests", dependencies: ["KernelProfile", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "MeasurementTests", dependencies: ["Measurement", "Workloads", "Gate", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Measurement", "Artifacts", "KernelTree", "Workloads",
                                                          "VirtualMachine", "GuestImage", "Gate", "TestSupport"]),
        .testTarget(name: "ListBotTests", dependencies: ["ListBot", "Results", "PatchSeries", "KernelTree", "Gate", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["KGateCore", "TestSupport"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
