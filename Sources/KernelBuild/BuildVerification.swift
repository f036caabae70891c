import Foundation
import KGateCore

/// The answer of `kgate build --verify`: the stored (cached, incremental) image
/// of a revision against a clean build of the same source without the compiler cache.
public struct BuildVerification: Sendable, Codable, Equatable {
    public var revision: String
    public var treeOID: String
    /// sha256 of the stored image and of the clean one.
    public var storedDigest: String
    public var cleanDigest: String
    /// The two `.config` files are byte-identical.
    public var configIdentical: Bool
    /// Objects the clean build compiled, and its wall time.
    public var cleanObjects: Int
    public var cleanSeconds: Double

    public var identical: Bool { configIdentical && storedDigest == cleanDigest }
}

extension KernelBuilder {
    /// Builds `source` as `build` does (a cache hit or an incremental, cached
    /// build), then again from scratch in a temporary object directory with gcc
    /// alone, and compares the images byte for byte. kgate's fixed build identity
    /// (`KBUILD_BUILD_*`) makes a kernel reproducible, so any difference means
    /// the stored image is not its revision: the stored result and the persistent
    /// object directory are then removed (the next build starts cold) and an
    /// infrastructure error says so.
    public func verify(source: URL, treeOID: String, revision: String, config: BuildConfig) throws -> BuildVerification {
        let stored = try build(source: source, treeOID: treeOID, revision: revision, config: config)
        let resolved = try config.resolve()
        let compiler = stored.compiler, hash = stored.configHash
        let buildDir = try CachePaths.ensureDirectory(paths.builds.appendingPathComponent(hash))
        let scratch = buildDir.appendingPathComponent("verify-\(UUID().uuidString.prefix(8))")
        try CachePaths.ensureDirectory(scratch)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let run = BuildRun(builder: self, source: source.standardizedFileURL, hash: hash, resolved: resolved,
                           compiler: compiler, buildDir: buildDir,
                           scratchObjects: scratch.appendingPathComponent("obj"), cached: false)
        let log = scratch.appendingPathComponent("build.log")
        let start = Date()
        console.status("verify: clean build of \(revision.prefix(12)) without the compiler cache", key: "verify")
        try run.configure(log: log)
        let r = try run.make(["-j\(jobs)", "bzImage"], log: log)
        console.clear()
        guard r.succeeded else {
            throw KGateError.infrastructure("the clean verification build of \(revision.prefix(12)) failed (exit \(r.exitCode)) "
                                            + "where the stored build succeeded",
                                            location: log.path, excerpt: lastLines(ProcessRunner.readTail(log, limit: 4000), 15))
        }
        let text = String(decoding: (try? readBoundedFile(log, limit: 256 << 20, what: "build log")) ?? Data(), as: UTF8.self)
        let cleanImage = run.objects.appendingPathComponent("arch/x86/boot/bzImage")
        let storedConfig = URL(fileURLWithPath: stored.image).deletingLastPathComponent().appendingPathComponent("config")
        let outcome = BuildVerification(
            revision: revision, treeOID: treeOID,
            storedDigest: try Self.digest(URL(fileURLWithPath: stored.image)),
            cleanDigest: try Self.digest(cleanImage),
            configIdentical: (try? Data(contentsOf: storedConfig)) == (try? Data(contentsOf: run.objects.appendingPathComponent(".config"))),
            cleanObjects: BuildLog.compiledUnits(in: text).count,
            cleanSeconds: Date().timeIntervalSince(start))
        if !outcome.identical {
            try? FileManager.default.removeItem(at: paths.buildResult(configHash: hash, treeOID: treeOID))
            try? FileManager.default.removeItem(at: paths.buildObjects(configHash: hash, source: source))
        }
        return outcome
    }

    /// sha256 of a kernel image (bounded read).
    public static func digest(_ url: URL) throws -> String {
        let data = try readBoundedFile(url, limit: 512 << 20, what: "kernel image")
        return Digest.sha256Hex(data)
    }
}
