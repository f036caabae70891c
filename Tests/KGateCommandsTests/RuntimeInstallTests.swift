import Foundation
import KGateCore
import Testing
import TestSupport

/// scripts/install-runtime.sh is what CI shard and merge jobs install before they
/// start a built kgate: every shared library the built kgate loads must come from
/// a package it installs, a dependency apt pulls with one, base Debian (priority
/// required, or essential) or the Swift runtime (the templates' images carry it).
/// A library of any other package means the runtime set is incomplete.
@Suite(.tags(.unit)) struct RuntimeInstallTests {
    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let r = try ProcessRunner.run(tool, arguments, timeout: 300)
        guard r.exitCode == 0 else { throw KGateError.infrastructure("\(tool) \(arguments.prefix(3)) failed", excerpt: r.stderr) }
        return r.stdout
    }

    @Test func everyLibraryKgateLoadsComesFromTheRuntimePackages() throws {
        let script = TestEnv.packageRoot.appendingPathComponent("scripts/install-runtime.sh").path
        let runtime = try Self.run("/bin/bash", [script, "--list"]).split(separator: "\n").map(String.init)
        #expect(runtime.contains("libgit2-1.5") && runtime.contains("qemu-system-x86"))
        // What apt installs with them (Depends and PreDepends, recursively).
        let closure = try Self.run("/usr/bin/apt-cache", ["depends", "--recurse", "--no-recommends", "--no-suggests",
                                                          "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances"]
                                   + runtime)
        var provided = Set(runtime)
        for line in closure.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            let name = t.hasPrefix("Depends:") || t.hasPrefix("PreDepends:") || t.hasPrefix("|Depends:")
                ? String(t.split(separator: " ").last ?? "") : (line.first == " " ? "" : t)
            if !name.isEmpty { provided.insert(name.trimmingCharacters(in: CharacterSet(charactersIn: "<>"))) }
        }
        let swiftRuntime = URL(fileURLWithPath: try Self.run("/bin/sh", ["-c", "readlink -f \"$(command -v swift)\""])
            .trimmingCharacters(in: .whitespacesAndNewlines)).deletingLastPathComponent().deletingLastPathComponent().path
        let ldd = try Self.run("/usr/bin/ldd", [TestEnv.kgateBinary.path])
        var checked = 0
        for line in ldd.split(separator: "\n") where line.contains("=>") {
            #expect(!line.contains("not found"), "\(line)")
            let parts = line.split(separator: " ")
            guard let arrow = parts.firstIndex(of: "=>"), arrow + 1 < parts.count else { continue }
            let path = String(parts[arrow + 1])
            if path.hasPrefix(swiftRuntime + "/") { continue }
            checked += 1
            let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            let owner = try ProcessRunner.run("/usr/bin/dpkg", ["-S", path], timeout: 60).stdout.isEmpty
                ? try Self.run("/usr/bin/dpkg", ["-S", real]) : try Self.run("/usr/bin/dpkg", ["-S", path])
            let package = String(owner.split(separator: ":").first ?? "")
            let info = try Self.run("/usr/bin/dpkg-query", ["-W", "-f=${Priority} ${Essential}", package])
            let base = info.hasPrefix("required") || info.hasSuffix("yes")
            #expect(provided.contains(package) || base,
                    "\(path) belongs to \(package) (\(info)), which scripts/install-runtime.sh neither installs nor pulls in")
        }
        #expect(checked >= 5, "ldd: \(ldd)")
    }
}
