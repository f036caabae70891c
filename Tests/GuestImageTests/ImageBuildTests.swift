import Foundation
import GuestImage
import KGateCore
import Testing
import TestSupport

/// Builds the shipped recipe for real (host busybox, iperf3, iproute2, sockperf).
@Suite(.serialized, .tags(.unit)) struct ImageBuildTests {
    @Test func coldThenCachedGivesSameHashAndBytes() throws {
        let recipe = try GuestImages.defaultRecipe()
        let cache = CachePaths(root: try TestEnv.temporaryDirectory("image-cache"))
        let cold = try GuestImages.build(recipe: recipe, paths: cache, console: Console(interactive: false))
        #expect(!cold.cached)
        let coldBytes = try Data(contentsOf: cold.url)
        #expect(coldBytes.count == cold.bytes)
        let warm = try GuestImages.build(recipe: recipe, paths: cache, console: Console(interactive: false))
        #expect(warm.cached)
        #expect(warm.hash == cold.hash)
        #expect(try Data(contentsOf: warm.url) == coldBytes)
        // A second, empty cache rebuilds the very same bytes (determinism).
        let other = CachePaths(root: try TestEnv.temporaryDirectory("image-cache2"))
        let again = try GuestImages.build(recipe: recipe, paths: other, console: Console(interactive: false))
        #expect(!again.cached)
        #expect(try Data(contentsOf: again.url) == coldBytes)
    }

    @Test func changedRecipeChangesHash() throws {
        let dir = try TestEnv.temporaryDirectory("recipe")
        let shipped = try GuestImages.defaultRecipe().deletingLastPathComponent()
        try FileManager.default.copyItem(at: shipped.appendingPathComponent("init"), to: dir.appendingPathComponent("init"))
        let recipe = dir.appendingPathComponent("r.recipe")
        try "busybox /bin/busybox\ninit init\n".write(to: recipe, atomically: true, encoding: .utf8)
        let cache = CachePaths(root: dir.appendingPathComponent("cache"))
        let a = try GuestImages.build(recipe: recipe, paths: cache, console: Console(interactive: false))
        try "busybox /bin/busybox\ndir /extra\ninit init\n".write(to: recipe, atomically: true, encoding: .utf8)
        let b = try GuestImages.build(recipe: recipe, paths: cache, console: Console(interactive: false))
        #expect(a.hash != b.hash)
        #expect(!b.cached)
    }

    /// The archive as Debian's cpio (an independent reader) sees it.
    @Test func imageListsCorrectlyWithDebianCpio() throws {
        let image = try GuestImages.build(recipe: try GuestImages.defaultRecipe(), paths: TestEnv.cache,
                                          console: Console(interactive: false))
        let listing = try ProcessRunner.run("cpio", ["-itv", "--quiet"], stdinFile: image.url, timeout: 60)
        #expect(listing.exitCode == 0, "\(listing.stderr)")
        let lines = listing.stdout.split(separator: "\n").map(String.init)
        let names = lines.compactMap { line -> String? in
            let name = line.components(separatedBy: " -> ").first ?? line
            return name.split(separator: " ").last.map(String.init)
        }
        for required in ["init", "bin/busybox", "usr/bin/iperf3", "sbin/ip", "sbin/tc", "usr/bin/sockperf",
                         "lib64/ld-linux-x86-64.so.2", "lib/x86_64-linux-gnu/libc.so.6", "lib/x86_64-linux-gnu/libiperf.so.0"] {
            #expect(names.contains(required), "missing \(required)")
        }
        #expect(lines.contains { $0.hasPrefix("lrwxrwxrwx") && $0.hasSuffix("bin/sh -> /bin/busybox") })
        #expect(lines.contains { $0.hasPrefix("crw-------") && $0.contains("5,   1") && $0.hasSuffix("dev/console") })
        #expect(lines.allSatisfy { $0.contains(" root     root ") }, "uid/gid must be 0")
        // Our own reader agrees with cpio on every name, in the same (sorted) order.
        let ours = try Cpio.read(try Data(contentsOf: image.url)).map(\.path)
        #expect(ours == names)
        #expect(ours == ours.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }

    @Test func planArchiveExtractsWithDebianCpio() throws {
        let script = Data("kgate_run cmd uname -r\n".utf8)
        let blob = Data((0..<1000).map { UInt8($0 % 251) })
        let archive = try GuestImages.planArchive([
            PlanFile(path: "kgate/plan.sh", contents: script, mode: 0o755),
            PlanFile(path: "kgate/data/blob.bin", contents: blob),
        ])
        #expect(archive.count % 4 == 0)
        let dir = try TestEnv.temporaryDirectory("plan")
        let file = dir.appendingPathComponent("plan.cpio")
        try archive.write(to: file)
        let out = dir.appendingPathComponent("x")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let r = try ProcessRunner.run("cpio", ["-idm", "--quiet", "--no-absolute-filenames"], cwd: out, stdinFile: file, timeout: 60)
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(try Data(contentsOf: out.appendingPathComponent("kgate/plan.sh")) == script)
        #expect(try Data(contentsOf: out.appendingPathComponent("kgate/data/blob.bin")) == blob)
        let attrs = try FileManager.default.attributesOfItem(atPath: out.appendingPathComponent("kgate/plan.sh").path)
        #expect((attrs[.posixPermissions] as? NSNumber)?.intValue == 0o755)
        #expect(try Cpio.read(archive).map(\.path) == ["kgate", "kgate/data", "kgate/data/blob.bin", "kgate/plan.sh"])
        #expect(try GuestImages.planArchive([PlanFile(path: "kgate/plan.sh", contents: script)])
                == GuestImages.planArchive([PlanFile(path: "kgate/plan.sh", contents: script)]))
    }

    @Test(arguments: ["../etc/passwd", "kgate/../../x", "kgate/./plan.sh", "", "/", "a/\u{1}b"])
    func planArchiveRejectsUnsafePaths(_ path: String) {
        #expect(throws: KGateError.self) { try GuestImages.planArchive([PlanFile(path: path, contents: Data())]) }
    }
}
