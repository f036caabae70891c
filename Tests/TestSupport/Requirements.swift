import Foundation
import KGateCore
import Testing

/// A real part of the machine a test needs beyond pure logic (docs/DESIGN.md, "Tests").
/// Every test tagged `.kernelBuild`, `.vm`, `.network` or `.endToEnd` carries
/// `.needs(...)` naming its parts; a `.unit` test needs none.
public enum RealPart: String, Sendable, CaseIterable {
    /// The Debian kernel source tarball (`TestEnv.kernelTarball`), imported and built by the test.
    case kernelSource
    /// A built kernel: `$KGATE_TEST_KERNEL`, or the kernel source to build one from.
    case kernel
    /// `qemu-system-x86_64` on PATH.
    case qemu
    /// python3, which serves the local HTTP stand-ins for lore and patchwork.
    case localServer
    /// Root with iperf3, iproute2 and busybox: network namespaces on this host.
    case hostNetwork
    /// Debian's `buildbot` and `buildbot-worker` (a local CI engine for the sharded check).
    case buildbot
    /// A PostgreSQL server: `KGATE_TEST_PG_URL`, the throwaway cluster scripts/test.sh starts.
    case postgres
    /// Debian's `chromium` (headless), to look at a rendered page as a person would.
    case chromium

    /// Why the part is unusable here, or nil when it is present.
    public var missing: String? {
        switch self {
        case .kernelSource:
            return FileManager.default.fileExists(atPath: TestEnv.kernelTarball.path)
                ? nil : "the kernel source \(TestEnv.kernelTarball.path) is missing (apt-get install linux-source-6.12)"
        case .kernel:
            if let dev = ProcessInfo.processInfo.environment["KGATE_TEST_KERNEL"], !dev.isEmpty {
                return FileManager.default.fileExists(atPath: dev) ? nil : "KGATE_TEST_KERNEL=\(dev) does not exist"
            }
            return RealPart.kernelSource.missing
        case .qemu:
            return ProcessRunner.which("qemu-system-x86_64") != nil
                ? nil : "qemu-system-x86_64 is not on PATH (apt-get install qemu-system-x86)"
        case .localServer:
            return FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
                ? nil : "/usr/bin/python3 is missing (apt-get install python3)"
        case .hostNetwork:
            var absent = [String]()
            if getuid() != 0 { absent.append("root") }
            for tool in ["iperf3", "ip"] where ProcessRunner.which(tool) == nil { absent.append(tool) }
            if !FileManager.default.fileExists(atPath: "/bin/busybox") { absent.append("/bin/busybox") }
            return absent.isEmpty ? nil : "needs " + absent.joined(separator: ", ")
        case .buildbot:
            let absent = ["buildbot", "buildbot-worker"].filter { ProcessRunner.which($0) == nil }
            return absent.isEmpty ? nil : "\(absent.joined(separator: " and ")) missing (bash scripts/install-deps.sh)"
        case .postgres:
            let url = ProcessInfo.processInfo.environment["KGATE_TEST_PG_URL"] ?? ""
            return url.isEmpty ? "KGATE_TEST_PG_URL is unset (scripts/test.sh starts a cluster: scripts/pg-test-cluster.sh)" : nil
        case .chromium:
            return ProcessRunner.which("chromium") != nil ? nil : "chromium is not on PATH (bash scripts/install-deps.sh)"
        }
    }
}

/// Which tests this run selects: `KGATE_TESTS=unit` (scripts/test.sh --unit) runs
/// only tests that need no real part; unset or `all` runs everything.
public enum TestSelection {
    /// `KGATE_TESTS`: "unit", "all", or unset (all).
    static var selection: String { ProcessInfo.processInfo.environment["KGATE_TESTS"] ?? "all" }

    public static var unitOnly: Bool { selection == "unit" }

    /// `CI=true`: a missing part fails the test instead of skipping it.
    public static var strict: Bool {
        ProcessInfo.processInfo.environment["CI"] == "true"
    }

    /// The reason a test needing `parts` does not run, nil when it runs;
    /// throws when a part is missing under `CI=true`.
    public static func blocker(for parts: [RealPart]) throws -> String? {
        guard ["unit", "all", ""].contains(selection) else {
            throw KGateError.usage("KGATE_TESTS=\(selection) selects nothing I know", fix: "use KGATE_TESTS=unit or all")
        }
        if unitOnly { return "KGATE_TESTS=unit selects unit tests only" }
        let missing = parts.compactMap(\.missing)
        guard !missing.isEmpty else { return nil }
        let reason = missing.joined(separator: "; ")
        if strict {
            throw KGateError.infrastructure("CI=true and a part this test needs is missing: \(reason)",
                                            fix: "bash scripts/install-deps.sh, or run without CI=true to skip")
        }
        return reason
    }
}

extension ConditionTrait {
    /// Runs the test only when every part is present and the run selects it;
    /// otherwise it is skipped with the reason (or fails under `CI=true`).
    static func needing(_ parts: [RealPart], sourceLocation: SourceLocation) -> Self {
        // The comment is computed now, so a skip names the actual reason.
        let reason = try? TestSelection.blocker(for: parts)
        let comment = Comment(rawValue: reason ?? "needs " + parts.map(\.rawValue).joined(separator: ", "))
        return .enabled(comment, sourceLocation: sourceLocation) {
            try TestSelection.blocker(for: parts) == nil
        }
    }
}

extension TestTrait where Self == ConditionTrait {
    /// `@Test(.tags(.vm), .needs(.kernel, .qemu))`: see `ConditionTrait.needing`.
    public static func needs(_ parts: RealPart..., sourceLocation: SourceLocation = #_sourceLocation) -> Self {
        .needing(parts, sourceLocation: sourceLocation)
    }
}

extension SuiteTrait where Self == ConditionTrait {
    /// `@Suite(.tags(.vm), .needs(.kernel, .qemu))`: see `ConditionTrait.needing`.
    public static func needs(_ parts: RealPart..., sourceLocation: SourceLocation = #_sourceLocation) -> Self {
        .needing(parts, sourceLocation: sourceLocation)
    }
}
