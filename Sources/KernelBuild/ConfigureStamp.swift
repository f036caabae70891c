import Foundation
import KGateCore

/// Lets a rebuild skip the configuration step (base config, merge, olddefconfig:
/// three Kconfig runs, ~8 s) when nothing that step reads has changed since the
/// last verified configuration of the same object directory.
///
/// What the step reads: the Kconfig files (kbuild's own list, `deps_config` in
/// `include/config/auto.conf.cmd`, written by the main make), the base config
/// files, the kconfig tool sources, the top Makefile (version, config targets)
/// and the binutils in use (Kconfig probes `ld`; the compiler is already in the
/// config hash that names the object directory). The stamp holds a digest of
/// their contents and of the verified `.config`; any difference, a missing file
/// or an edited `.config` means a full configuration.
struct ConfigureStamp: Codable, Equatable {
    static let fileName = "kgate-configure.json"
    static let maxDependencies = 20_000

    var version = 1
    /// sha256 of the verified `.config`.
    var configDigest: String
    /// sha256 over the paths and contents of `files` and the toolchain line.
    var inputsDigest: String
    /// Source-relative paths, sorted.
    var files: [String]

    /// Files the configuration reads besides the Kconfig files.
    static func fixedInputs(srcarch: String) -> [String] {
        ["Makefile", "scripts/kconfig/Makefile", "scripts/kconfig/merge_config.sh",
         "kernel/configs/tiny-base.config", "kernel/configs/tiny.config",
         "arch/\(srcarch)/configs/tiny.config", "arch/\(srcarch)/configs/x86_64_defconfig"]
    }

    /// The kconfig tool's own sources (`scripts/kconfig/*.[chly]`).
    static func toolSources(source: URL) -> [String] {
        let dir = source.appendingPathComponent("scripts/kconfig")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { [".c", ".h", ".l", ".y"].contains(String($0.suffix(2))) }.map { "scripts/kconfig/\($0)" }
    }

    /// `deps_config` of kbuild's `include/config/auto.conf.cmd`: every Kconfig
    /// file the last syncconfig parsed, relative to the source tree. Nil when
    /// absent, unreadable or holding a path that leaves the tree.
    static func kconfigFiles(objects: URL) -> [String]? {
        let url = objects.appendingPathComponent("include/config/auto.conf.cmd")
        guard let data = try? readBoundedFile(url, limit: 4 << 20, what: "auto.conf.cmd") else { return nil }
        var files: [String] = []
        var inList = false
        for raw in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("deps_config :=") { inList = true; continue }
            guard inList else { continue }
            let path = line.hasSuffix("\\") ? String(line.dropLast()).trimmingCharacters(in: .whitespaces) : line
            if !path.isEmpty {
                guard isInsideTree(path), files.count < maxDependencies else { return nil }
                files.append(path)
            }
            if !line.hasSuffix("\\") { break }
        }
        return files.isEmpty ? nil : files
    }

    /// A relative path that cannot leave the source tree (no leading "/", no "..").
    static func isInsideTree(_ path: String) -> Bool {
        !path.hasPrefix("/") && !path.split(separator: "/").contains("..")
    }

    /// Digest over each file's path and content (or absence) and the toolchain text.
    static func digest(files: [String], source: URL, toolchain: String) -> String {
        var blob = Data("kgate-configure-inputs v1\n\(toolchain)\n".utf8)
        for path in files {
            blob.append(Data("\(path)\n".utf8))
            if let content = FileManager.default.contents(atPath: source.appendingPathComponent(path).path) {
                blob.append(Data("\(content.count)\n".utf8))
                blob.append(content)
            } else {
                blob.append(Data("absent\n".utf8))
            }
        }
        return Digest.sha256Hex(blob)
    }

    /// `ld -v`: Kconfig derives options from the linker's version.
    static func toolchain() -> String {
        guard let r = try? ProcessRunner.run("ld", ["-v"], timeout: 30), r.succeeded else { return "ld: unknown" }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The stamp for the object directory's current `.config`, after a make
    /// that ran syncconfig; nil when kbuild's dependency list is missing.
    static func make(source: URL, objects: URL, srcarch: String) -> ConfigureStamp? {
        guard let kconfig = kconfigFiles(objects: objects),
              let config = FileManager.default.contents(atPath: objects.appendingPathComponent(".config").path) else { return nil }
        let files = Array(Set(kconfig + fixedInputs(srcarch: srcarch) + toolSources(source: source))).sorted()
        return ConfigureStamp(configDigest: Digest.sha256Hex(config),
                              inputsDigest: digest(files: files, source: source, toolchain: toolchain()), files: files)
    }

    static func url(objects: URL) -> URL { objects.appendingPathComponent(fileName) }

    static func load(objects: URL) -> ConfigureStamp? {
        guard let data = try? readBoundedFile(url(objects: objects), limit: 4 << 20, what: "configure stamp") else { return nil }
        return try? JSONDecoder().decode(ConfigureStamp.self, from: data)
    }

    static func remove(objects: URL) { try? FileManager.default.removeItem(at: url(objects: objects)) }

    func write(objects: URL) {
        guard let data = try? JSONEncoder().encode(self) else { return }
        try? data.write(to: Self.url(objects: objects), options: .atomic)
    }

    /// True when the object directory's `.config` is the verified one and every
    /// input reads the same in `source` now.
    func stillValid(source: URL, objects: URL) -> Bool {
        guard version == 1, !files.isEmpty, files.allSatisfy(Self.isInsideTree),
              let config = FileManager.default.contents(atPath: objects.appendingPathComponent(".config").path),
              Digest.sha256Hex(config) == configDigest else { return false }
        return Self.digest(files: files, source: source, toolchain: Self.toolchain()) == inputsDigest
    }
}
