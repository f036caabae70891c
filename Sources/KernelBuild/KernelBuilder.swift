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
              FileManager.default.fileExists(atPath: r.image) else { return nil }
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
    /// (fixdep, kconfig, objtool) are built once per object directory and include
    /// system headers, which ccache's depend mode does not track: plain gcc.
    /// Configuration steps compile nothing for the target but run ~60 compiler
    /// probes per Kconfig pass: they call gcc directly (`ccache gcc` prints the
    /// same version text, so the `.config` is the same; ~1 s less per configuration).
    func makeArguments(source: URL, objects: URL, arch: String, configuring: Bool = false) -> [String] {
        ["-C", source.path, "O=\(objects.path)", "ARCH=\(arch)", configuring ? "CC=gcc" : "CC=ccache gcc", "HOSTCC=gcc"]
    }

    /// The environment of every make: ccache and reproducible build identity.
    ///
    /// ccache runs in depend mode: on a miss it compiles once and hashes the
    /// headers kbuild's `-Wp,-MMD` dependency file lists, instead of running the
    /// preprocessor first (the default direct mode); with the inode cache (header
    /// hashes reused across compilations) and no compression a cold build costs
    /// ~2 % more than plain gcc on 2 cores (net/, 193 objects: default direct
    /// mode +48 %, depend alone +8 %, these settings +2.4 % wall, +2.0 % CPU over
    /// 4 ABAB pairs). Kernel objects are built with -nostdinc, so the headers
    /// -MMD leaves out are the compiler's own, covered by the compiler check.
    func makeEnvironment(source: URL, objects: URL) -> [String: String] {
        [
            "CCACHE_DIR": paths.ccache.path,
            "CCACHE_BASEDIR": Self.commonAncestor(source, objects),
            "CCACHE_NOHASHDIR": "1",
            "CCACHE_DEPEND": "1",
            "CCACHE_INODECACHE": "1",
            "CCACHE_NOCOMPRESS": "1",
            "CCACHE_COMPILERCHECK": "mtime",
            "KBUILD_BUILD_TIMESTAMP": Self.buildTimestamp,
            "KBUILD_BUILD_USER": Self.buildUser,
            "KBUILD_BUILD_HOST": Self.buildHost,
            "KBUILD_BUILD_VERSION": "1",
            "LC_ALL": "C",
        ]
    }

    /// ccache rewrites absolute paths under its base dir to paths relative to the
    /// compiler's directory (the object dir); using the deepest directory holding
    /// both the source and the objects keeps those paths equal wherever the cache lives.
    static func commonAncestor(_ a: URL, _ b: URL) -> String {
        let x = a.standardizedFileURL.pathComponents, y = b.standardizedFileURL.pathComponents
        var n = 0
        while n < min(x.count, y.count), x[n] == y[n] { n += 1 }
        let path = NSString.path(withComponents: Array(x.prefix(n)))
        return (path == "/" || path.isEmpty) ? a.standardizedFileURL.path : path
    }
}
