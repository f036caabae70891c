import Foundation
import KGateCore

/// Builds x86_64 kernels out of tree with ccache and a result cache
/// (docs/DESIGN.md, "Cache layout"): `builds/<config-hash>/obj-<source-id>/` is the
/// persistent `make O=` directory per configuration and source directory, `builds/<config-hash>/<tree-oid>/`
/// holds one build's image, config, log and `build.json`.
public final class KernelBuilder: Sendable {
    public let paths: CachePaths
    public let console: Console
    /// `make -j` (default: the number of online CPUs).
    public let jobs: Int
    /// Fixed `KBUILD_BUILD_*` values: the same tree and config give the same image.
    public static let buildTimestamp = "Thu Jan  1 00:00:00 UTC 1970"
    public static let buildUser = "kgate"
    public static let buildHost = "kgate"

    public init(paths: CachePaths, console: Console = .shared, jobs: Int? = nil) {
        self.paths = paths
        self.console = console
        self.jobs = max(1, jobs ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    /// The compiler identity used in config hashes and result keys.
    public func compilerVersion() throws -> String { try Toolchain.compilerVersion() }

    /// sha256 (16 hex digits) of the normalized configuration inputs and the compiler version.
    public func configHash(_ config: BuildConfig) throws -> String {
        try config.resolve().hash(compiler: compilerVersion())
    }

    /// The stored successful build of `treeOID` with `config`, if any (no make runs).
    public func cachedResult(treeOID: String, config: BuildConfig) -> BuildResult? {
        guard let hash = try? configHash(config) else { return nil }
        return stored(hash: hash, treeOID: treeOID)
    }

    func stored(hash: String, treeOID: String) -> BuildResult? {
        let dir = paths.buildResult(configHash: hash, treeOID: treeOID)
        guard var r = try? BuildResult.load(dir.appendingPathComponent("build.json")),
              r.status == .success, r.treeOID == treeOID, r.configHash == hash,
              FileManager.default.fileExists(atPath: r.image),
              // A result stored before builds kept their symbols (the kernel profile's) is built
              // again: the object directory and the compiler cache make that incremental.
              FileManager.default.fileExists(atPath: dir.appendingPathComponent("System.map").path) else { return nil }
        r.cached = true
        return r
    }

    /// Builds `source` (a checked-out tree whose git tree id is `treeOID`).
    /// A result-cache hit returns without running make. A build error throws a
    /// `.patch` error quoting the first compiler/linker error (callers remap it
    /// for base revisions); a dropped config option throws `.usage` for user
    /// input, `.infrastructure` for the shipped fragments.
    public func build(source: URL, treeOID: String, revision: String, config: BuildConfig,
                      baseline: BuildResult? = nil) throws -> BuildResult {
        let started = Date()
        var outcome = "failed"
        var objects = 0
        defer {
            TimingLog.record("build", "\(revision.prefix(12)) (\(objects) objects)",
                             seconds: Date().timeIntervalSince(started), outcome: outcome)
        }
        let result = try buildTimed(source: source, treeOID: treeOID, revision: revision, config: config, baseline: baseline)
        outcome = result.cached ? "cached" : "built"
        objects = result.objectsCompiled
        return result
    }

    private func buildTimed(source: URL, treeOID: String, revision: String, config: BuildConfig,
                            baseline: BuildResult?) throws -> BuildResult {
        try Toolchain.check()
        let resolved = try config.resolve()
        let compiler = try compilerVersion()
        let hash = resolved.hash(compiler: compiler)
        if let hit = stored(hash: hash, treeOID: treeOID) {
            console.line("build: cache hit \(hash)/\(treeOID.prefix(12)) (\(hit.kernelRelease))")
            return hit
        }
        guard FileManager.default.fileExists(atPath: source.appendingPathComponent("Makefile").path) else {
            throw KGateError.usage("not a kernel source directory (no Makefile)", location: source.path)
        }
        let buildDir = try CachePaths.ensureDirectory(paths.builds.appendingPathComponent(hash))
        let lock = try FileLock.acquire(buildDir.appendingPathComponent("obj.lock"), purpose: "build directory \(hash)")
        defer { lock.release() }
        if let hit = stored(hash: hash, treeOID: treeOID) {  // built by another run while we waited
            console.line("build: cache hit \(hash)/\(treeOID.prefix(12)) (built concurrently)")
            return hit
        }
        let run = BuildRun(builder: self, source: source.standardizedFileURL, hash: hash, resolved: resolved,
                           compiler: compiler, buildDir: buildDir)
        return try run.execute(treeOID: treeOID, revision: revision, baseline: baseline)
    }

    /// Writes and verifies the configuration only (no compilation): the final
    /// `.config` of `builds/<hash>/obj-<source-id>`. Throws like `build` on dropped options.
    @discardableResult
    public func configure(source: URL, config: BuildConfig) throws -> URL {
        try Toolchain.check()
        let resolved = try config.resolve()
        let compiler = try compilerVersion()
        let hash = resolved.hash(compiler: compiler)
        let buildDir = try CachePaths.ensureDirectory(paths.builds.appendingPathComponent(hash))
        let lock = try FileLock.acquire(buildDir.appendingPathComponent("obj.lock"), purpose: "build directory \(hash)")
        defer { lock.release() }
        let run = BuildRun(builder: self, source: source.standardizedFileURL, hash: hash, resolved: resolved,
                           compiler: compiler, buildDir: buildDir)
        try run.configure(log: buildDir.appendingPathComponent("configure.log"))
        return run.objects.appendingPathComponent(".config")
    }

    /// `make` arguments shared by configuration and build steps. Host programs
    /// (fixdep, kconfig, objtool) are built once per object directory: plain gcc.
    /// Configuration steps compile nothing for the target but run ~60 compiler
    /// probes per Kconfig pass: plain gcc too (the wrapper prints the same version
    /// text, so the `.config` is the same). A cached build compiles through
    /// `kgate-cc` (`CompilerCache`), a clean one with gcc alone.
    func makeArguments(source: URL, objects: URL, arch: String, configuring: Bool = false,
                       cached: Bool = true) -> [String] {
        let cc = (configuring || !cached) ? "CC=gcc" : "CC=\(CompilerCache.wrapperName) gcc"
        return ["-C", source.path, "O=\(objects.path)", "ARCH=\(arch)", cc, "HOSTCC=gcc"]
    }

    /// The environment of every make: reproducible build identity, and for a
    /// cached build the compiler cache (`CompilerCache`) with its wrappers first on PATH.
    func makeEnvironment(source: URL, objects: URL, cached: Bool = true) throws -> [String: String] {
        var env = [
            "KBUILD_BUILD_TIMESTAMP": Self.buildTimestamp,
            "KBUILD_BUILD_USER": Self.buildUser,
            "KBUILD_BUILD_HOST": Self.buildHost,
            "KBUILD_BUILD_VERSION": "1",
            "LC_ALL": "C",
        ]
        guard cached else { return env }
        let wrappers = try CompilerCache.install(paths: paths)
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        env["PATH"] = wrappers.path + ":" + path
        env.merge(CompilerCache.environment(paths: paths)) { _, new in new }
        return env
    }

}
