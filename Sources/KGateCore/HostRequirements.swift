import Foundation

/// Every host tool and library the pipeline needs, with the Debian package
/// that provides it. `kgate doctor` checks these; runners quote the fix.
public struct HostRequirement: Sendable {
    public enum Probe: Sendable {
        /// An executable on PATH.
        case tool(String)
        /// A file that must exist (a header, a library).
        case file(String)
        /// A pkg-config module.
        case pkgConfig(String)
    }

    public let name: String
    public let probe: Probe
    public let package: String
    /// The stage that needs it (for the doctor's table).
    public let neededBy: String

    public var fix: String { "apt-get install -y \(package)" }
}

public enum HostRequirements {
    public static let all: [HostRequirement] = [
        .init(name: "libgit2", probe: .pkgConfig("libgit2"), package: "libgit2-dev", neededBy: "trees"),
        .init(name: "libcurl", probe: .pkgConfig("libcurl"), package: "libcurl4-openssl-dev", neededBy: "series fetch"),
        .init(name: "zlib", probe: .pkgConfig("zlib"), package: "zlib1g-dev", neededBy: "lore mbox.gz"),
        .init(name: "pkg-config", probe: .tool("pkg-config"), package: "pkg-config", neededBy: "Swift build"),
        .init(name: "gcc", probe: .tool("gcc"), package: "gcc", neededBy: "kernel build"),
        .init(name: "make", probe: .tool("make"), package: "make", neededBy: "kernel build"),
        .init(name: "flex", probe: .tool("flex"), package: "flex", neededBy: "kernel build"),
        .init(name: "bison", probe: .tool("bison"), package: "bison", neededBy: "kernel build"),
        .init(name: "bc", probe: .tool("bc"), package: "bc", neededBy: "kernel build"),
        .init(name: "perl", probe: .tool("perl"), package: "perl", neededBy: "kernel build"),
        .init(name: "libelf headers", probe: .file("/usr/include/libelf.h"), package: "libelf-dev", neededBy: "kernel build"),
        .init(name: "libssl headers", probe: .file("/usr/include/openssl/ssl.h"), package: "libssl-dev", neededBy: "kernel build"),
        .init(name: "ccache", probe: .tool("ccache"), package: "ccache", neededBy: "kernel build"),
        .init(name: "xz", probe: .tool("xz"), package: "xz-utils", neededBy: "tree import"),
        .init(name: "kernel source", probe: .file("/usr/src/linux-source-6.12.tar.xz"), package: "linux-source-6.12", neededBy: "embedded default tree"),
        .init(name: "qemu", probe: .tool("qemu-system-x86_64"), package: "qemu-system-x86", neededBy: "boot"),
        .init(name: "busybox", probe: .file("/bin/busybox"), package: "busybox-static", neededBy: "guest image"),
        .init(name: "iperf3", probe: .tool("iperf3"), package: "iperf3", neededBy: "workloads"),
        .init(name: "sockperf", probe: .tool("sockperf"), package: "sockperf", neededBy: "workloads (latency)"),
        .init(name: "iproute2", probe: .file("/sbin/ip"), package: "iproute2", neededBy: "workloads"),
        .init(name: "tc", probe: .file("/sbin/tc"), package: "iproute2", neededBy: "workloads"),
    ]

    /// The fix command for a missing tool (by executable name).
    public static func fix(forTool name: String) -> String {
        let base = (name as NSString).lastPathComponent
        for req in all {
            switch req.probe {
            case .tool(let tool) where tool == base: return req.fix
            case .file(let path) where (path as NSString).lastPathComponent == base: return req.fix
            default: continue
            }
        }
        return "install '\(base)' (run 'kgate doctor' for the full list)"
    }

    /// Whether the requirement is met on this host.
    public static func isMet(_ req: HostRequirement) -> Bool {
        switch req.probe {
        case .tool(let tool): return ProcessRunner.which(tool) != nil
        case .file(let path): return FileManager.default.fileExists(atPath: path)
        case .pkgConfig(let module):
            guard ProcessRunner.which("pkg-config") != nil,
                  let result = try? ProcessRunner.run("pkg-config", ["--exists", module], stdout: .discard, stderr: .discard)
            else { return false }
            return result.exitCode == 0
        }
    }
}
