import Foundation
import KGateCore

/// One locked build: configure, verify, make, store.
struct BuildRun {
    let builder: KernelBuilder
    let source: URL
    let hash: String
    let resolved: ResolvedConfig
    let compiler: String
    let buildDir: URL
    /// A scratch object directory (a clean verification build) instead of the persistent one.
    var scratchObjects: URL? = nil
    /// Compile through the compiler cache (false: gcc alone, for a clean build).
    var cached = true

    /// One object directory per configuration and source directory.
    var objects: URL { scratchObjects ?? builder.paths.buildObjects(configHash: hash, source: source) }
    var console: Console { builder.console }

    /// A hung make (NFS, a wedged tool) must not block a CI runner forever.
    static let makeTimeout: Double = 4 * 3600

    func make(_ targets: [String], log: URL, environment extra: [String: String] = [:], configuring: Bool = false,
              tick: ((Double) -> Void)? = nil) throws -> ProcessResult {
        let args = builder.makeArguments(source: source, objects: objects, arch: resolved.arch, configuring: configuring,
                                         cached: cached) + targets
        let env = try builder.makeEnvironment(source: source, objects: objects, cached: cached).merging(extra) { _, new in new }
            .merging(["KGATE_BUILD_LOG": log.path]) { _, new in new }
        // One file for stdout and stderr so compiler messages stay next to the step that printed them.
        return try ProcessRunner.run("sh", ["-c", "exec make \"$@\" >>\"$KGATE_BUILD_LOG\" 2>&1", "make"] + args,
                                     environment: env, stdout: .discard, stderr: .discard,
                                     timeout: Self.makeTimeout, tick: tick)
    }

    /// Generates the base, merges the items, runs olddefconfig and verifies, in a
    /// scratch config file; `.config` is replaced only when the result differs,
    /// so an unchanged configuration leaves the object directory untouched.
    /// Skipped (returns false) when the `ConfigureStamp` of the object directory
    /// shows that nothing the configuration reads has changed.
    @discardableResult
    func configure(log: URL) throws -> Bool {
        try CachePaths.ensureDirectory(objects)
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        if let stamp = ConfigureStamp.load(objects: objects), stamp.stillValid(source: source, objects: objects) {
            if let h = try? FileHandle(forWritingTo: log) {
                h.seekToEndOfFile()
                h.write(Data("kgate: configuration inputs unchanged (\(stamp.files.count) files), verified .config reused\n".utf8))
                try? h.close()
            }
            return false
        }
        ConfigureStamp.remove(objects: objects)
        let scratch = objects.appendingPathComponent("kgate.config.new")
        try? FileManager.default.removeItem(at: scratch)
        let env = ["KCONFIG_CONFIG": scratch.path]
        func step(_ targets: [String], _ what: String) throws {
            // -j: the first step builds the kconfig tool and fixdep.
            let r = try make(["-j\(builder.jobs)"] + targets, log: log, environment: env, configuring: true)
            guard r.succeeded else {
                let tail = ProcessRunner.readTail(log, limit: 4000)
                throw KGateError.infrastructure("kernel configuration step '\(what)' failed (exit \(r.exitCode))",
                                                location: log.path, excerpt: lastLines(tail, 15))
            }
        }
        switch resolved.base {
        case .tinyconfig: try step(["tinyconfig"], "make tinyconfig")
        case .defconfig: try step(["defconfig"], "make defconfig")
        case .file(let url):
            do { try FileManager.default.copyItem(at: url, to: scratch) } catch {
                throw KGateError.usage("cannot copy the config base file", location: url.path, cause: error)
            }
        }
        var config = try DotConfig.read(scratch)
        config.merge(resolved.items)
        try config.write(to: scratch)
        try step(["olddefconfig"], "make olddefconfig")
        try verify(scratch)
        let current = objects.appendingPathComponent(".config")
        let old = try? Data(contentsOf: current), new = try Data(contentsOf: scratch)
        if old != new {
            try? FileManager.default.removeItem(at: current)
            try FileManager.default.moveItem(at: scratch, to: current)
        } else {
            try? FileManager.default.removeItem(at: scratch)
        }
        return true
    }

    /// Every requested option has its requested value in `config`, or an error
    /// names the dropped ones with their unmet dependencies.
    func verify(_ config: URL) throws {
        let final = try DotConfig.read(config)
        let dropped = ConfigVerifier.dropped(resolved.items, final: final)
        guard !dropped.isEmpty else { return }
        let explained = KconfigDependencies.explain(dropped, source: source, final: final.values)
        let user = explained.contains { $0.userProvided }
        let names = explained.map { "CONFIG_\($0.symbol)" }.joined(separator: ", ")
        throw KGateError(user ? .input : .host,
                         "Kconfig dropped or changed \(explained.count) requested option(s): \(names)",
                         location: explained.first?.origin,
                         fix: "enable the unmet dependencies in the same fragment (or drop the option); "
                            + "the final config is \(config.path)",
                         excerpt: explained.map(\.report).joined(separator: "\n"))
    }

    /// After a successful make: kbuild's syncconfig may have rewritten `.config`
    /// (a toolchain change it tracks), so the options are verified again, and the
    /// stamp that lets the next build skip configuration is written.
    func recordConfiguration() throws {
        let config = objects.appendingPathComponent(".config")
        do { try verify(config) } catch {
            ConfigureStamp.remove(objects: objects)
            throw error
        }
        if let stamp = ConfigureStamp.make(source: source, objects: objects, srcarch: "x86") {
            stamp.write(objects: objects)
        }
    }

    /// No kernel was ever linked in this object directory: every unit is compiled
    /// for the first time, so the compiler cache could only miss (`CompilerCache.firstBuildEnvironment`).
    static func isFirstBuild(objects: URL) -> Bool {
        !FileManager.default.fileExists(atPath: objects.appendingPathComponent("vmlinux").path)
    }

    func execute(treeOID: String, revision: String, baseline: BuildResult?) throws -> BuildResult {
        let start = Date()
        // Leftovers of runs that died while holding this lock.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: buildDir.path)) ?? [] where name.hasPrefix(".partial-") {
            try? FileManager.default.removeItem(at: buildDir.appendingPathComponent(name))
        }
        let partial = buildDir.appendingPathComponent(".partial-\(UUID().uuidString.prefix(8))")
        try CachePaths.ensureDirectory(partial)
        let partialToken = Supervisor.registerTemporary(partial)
        defer { try? FileManager.default.removeItem(at: partial); Supervisor.release(partialToken) }
        let log = partial.appendingPathComponent("build.log")
        console.status("build: configuring (\(resolved.baseKey) + \(resolved.items.count) options)", key: "configure")
        let reconfigured = try configure(log: log)
        let configured = Date()
        let logStart = (try? FileManager.default.attributesOfItem(atPath: log.path)[.size] as? NSNumber)?.uint64Value ?? 0
        let progress = LogProgress(url: log, offset: logStart)
        let first = cached && Self.isFirstBuild(objects: objects)
        if first { console.line("build: first build of this object directory: compiler cache off (misses would only cost)") }
        let r = try make(["-j\(builder.jobs)", "bzImage"], log: log,
                         environment: first ? CompilerCache.firstBuildEnvironment : [:]) { elapsed in
            let n = progress.poll()
            console.status("build: \(n) objects compiled, \(formatElapsed(elapsed))", key: "build \(n / 500)")
        }
        let made = Date()
        console.clear()
        if r.succeeded { try recordConfiguration() }
        if r.timedOut {
            throw KGateError.infrastructure("make did not finish within \(Int(Self.makeTimeout / 3600)) h and was stopped",
                                            location: log.path, excerpt: lastLines(ProcessRunner.readTail(log, limit: 4000), 10))
        }
        let text = String(decoding: (try? readBoundedFile(log, limit: 256 << 20, what: "build log")) ?? Data(), as: UTF8.self)
        let buildText = String(decoding: Data(text.utf8).dropFirst(Int(logStart)), as: UTF8.self)
        if !r.succeeded, let cause = BuildLog.infrastructureCause(in: buildText, signal: r.signal) {
            // Not stored as the revision's failed build: the next run builds again. The log is kept beside it.
            let kept = buildDir.appendingPathComponent("infrastructure-failure.log")
            try? FileManager.default.removeItem(at: kept)
            try? FileManager.default.copyItem(at: log, to: kept)
            throw KGateError.infrastructure("the build failed on the host, not in the tree: \(cause.message)",
                                            location: kept.path, fix: "fix the host (space, memory, tools) and run again",
                                            excerpt: cause.excerpt)
        }
        let warnings = try WarningIndex.update(buildDir.appendingPathComponent("warnings.json"),
                                               log: buildText, source: source, objects: objects, succeeded: r.succeeded)
        var result = BuildResult(
            status: r.succeeded ? .success : .failed, image: "", kernelRelease: kernelRelease(),
            configHash: hash, treeOID: treeOID, revision: revision, arch: resolved.arch, compiler: compiler,
            durationSeconds: 0, configureSeconds: configured.timeIntervalSince(start),
            makeSeconds: made.timeIntervalSince(configured), objectsCompiled: BuildLog.compiledUnits(in: buildText).count,
            warningCount: warnings.count, warnings: Array(warnings.prefix(BuildResult.maxWarningsStored)),
            newWarnings: baseline.map { BuildLog.newWarnings(warnings, baseline: $0.warnings) } ?? [],
            error: nil, cached: false, log: "", metadata: "", config: "", date: start)
        let failure = r.succeeded ? nil : BuildLog.firstError(in: buildText, source: source, objects: objects)
        result.configurationReused = !reconfigured
        result.error = failure.map { "\($0.location): \($0.message)" }
        let bzImage = objects.appendingPathComponent("arch/x86/boot/bzImage")
        if r.succeeded {
            do { try FileManager.default.copyItem(at: bzImage, to: partial.appendingPathComponent("bzImage")) } catch {
                throw KGateError.infrastructure("make succeeded but left no bzImage", location: bzImage.path,
                                                excerpt: lastLines(buildText, 10), cause: error)
            }
        }
        try? FileManager.default.copyItem(at: objects.appendingPathComponent(".config"), to: partial.appendingPathComponent("config"))
        // The symbols of a guest profile (`KernelProfile.SymbolMap`): this build's, a new function included.
        if r.succeeded { try? FileManager.default.copyItem(at: objects.appendingPathComponent("System.map"),
                                                           to: partial.appendingPathComponent("System.map")) }
        let final = paths(treeOID: treeOID)
        result.relocate(to: final)
        result.durationSeconds = Date().timeIntervalSince(start)
        try result.jsonData().write(to: partial.appendingPathComponent("build.json"))
        try? FileManager.default.removeItem(at: final)
        do { try FileManager.default.moveItem(at: partial, to: final) } catch {
            throw KGateError.infrastructure("cannot store the build result", location: final.path, cause: error)
        }
        if let failure {
            throw KGateError.patch("the kernel does not build: \(failure.message)", location: failure.location,
                                   fix: "fix the error; the full log is \(result.log)", excerpt: failure.excerpt)
        }
        console.line("build: \(result.kernelRelease) in \(formatElapsed(result.durationSeconds)), "
                     + "\(result.objectsCompiled) objects compiled, \(result.warningCount) warnings"
                     + (baseline == nil ? "" : ", \(result.newWarnings.count) new"))
        return result
    }

    func paths(treeOID: String) -> URL { builder.paths.buildResult(configHash: hash, treeOID: treeOID) }

    func kernelRelease() -> String {
        let url = objects.appendingPathComponent("include/config/kernel.release")
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

func lastLines(_ text: String, _ n: Int) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).suffix(n).joined(separator: "\n")
}

/// Counts `  CC` lines appended to a log since the last poll (on the thread
/// that waits for make: not shared, so not `Sendable`).
final class LogProgress {
    let url: URL
    private var offset: UInt64
    private var count = 0
    private var carry: [UInt8] = []
    private static let prefix = Array("  CC ".utf8)

    init(url: URL, offset: UInt64) { self.url = url; self.offset = offset }

    func poll() -> Int {
        guard let h = try? FileHandle(forReadingFrom: url) else { return count }
        defer { try? h.close() }
        try? h.seek(toOffset: offset)
        let data = (try? h.readToEnd()) ?? Data()
        offset += UInt64(data.count)
        var bytes = carry
        bytes.append(contentsOf: data)
        guard let lastNewline = bytes.lastIndex(of: 10) else { carry = bytes; return count }
        carry = Array(bytes[(lastNewline + 1)...])
        for line in bytes[..<lastNewline].split(separator: 10) where line.starts(with: Self.prefix) { count += 1 }
        return count
    }
}
