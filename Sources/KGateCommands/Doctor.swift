import ArgumentParser
import Foundation
import KGateCore

/// `kgate doctor`: checks every host tool and library the pipeline needs.
struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the host tools and libraries the whole pipeline needs, with a fix for each missing one.")

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("min-free-gib"),
            help: ArgumentHelp("Minimum free disk space in GiB under the cache directory.", valueName: "GiB"))
    var minFreeGiB: Double = 10

    func run() throws {
        try reportingErrors(global, verb: "doctor") {
            var missing: [HostRequirement] = []
            for req in HostRequirements.all {
                let ok = HostRequirements.isMet(req)
                emit(String(format: "%@ %-16@ %@", ok ? "ok     " : "MISSING", req.name as NSString,
                            ok ? "" : "(needed by \(req.neededBy)) fix: \(req.fix)"))
                if !ok { missing.append(req) }
            }
            let paths = global.paths
            let probeDir = nearestExisting(paths.root)
            var diskOK = true
            if let attrs = try? FileManager.default.attributesOfFileSystem(forPath: probeDir.path),
               let free = (attrs[.systemFreeSize] as? NSNumber)?.doubleValue {
                let gib = free / Double(1 << 30)
                diskOK = gib >= minFreeGiB
                emit(String(format: "%@ %-16@ %.1f GiB free under %@%@", diskOK ? "ok     " : "LOW    ",
                            "disk space" as NSString, gib, probeDir.path,
                            diskOK ? "" : " fix: free space or pass --cache on a larger disk"))
            }
            if !missing.isEmpty {
                let packages = Set(missing.map(\.package)).sorted().joined(separator: " ")
                emit("fix all: apt-get update && apt-get install -y \(packages)")
                return KGateExitCode.infrastructure
            }
            return diskOK ? 0 : KGateExitCode.infrastructure
        }
    }

    private func nearestExisting(_ url: URL) -> URL {
        var u = url
        while !FileManager.default.fileExists(atPath: u.path), u.path != "/" { u.deleteLastPathComponent() }
        return u
    }
}
