import Foundation
import KGateCore

/// A built guest image (cpio newc initramfs) in the cache.
public struct BuiltImage: Sendable, Codable, Equatable {
    public var url: URL
    /// Content hash of the recipe and every input file.
    public var hash: String
    public var bytes: Int
    /// True when the image came from the cache without rebuilding.
    public var cached: Bool
    public var seconds: Double

    public init(url: URL, hash: String, bytes: Int, cached: Bool, seconds: Double) {
        self.url = url; self.hash = hash; self.bytes = bytes; self.cached = cached; self.seconds = seconds
    }
}

/// A file for the run plan archive (appended to the image at boot).
public struct PlanFile: Sendable, Equatable {
    /// Path inside the guest, e.g. "kgate/plan.sh" (relative, no "..").
    public var path: String
    public var contents: Data
    public var mode: UInt32

    public init(path: String, contents: Data, mode: UInt32 = 0o644) {
        self.path = path; self.contents = contents; self.mode = mode
    }
}

public enum GuestImages {
    /// Bumped when the builder's output changes for the same inputs.
    static let formatVersion = "kgate-image-v2"
    /// The plan archive travels in the initrd: keep it small.
    public static let planLimit = 64 << 20

    /// The default recipe shipped in `vm-images/`, found next to the package
    /// sources or the installed binary (`$KGATE_VM_IMAGES` overrides).
    public static func defaultRecipe() throws -> URL {
        var dirs: [URL] = []
        if let env = ProcessInfo.processInfo.environment["KGATE_VM_IMAGES"], !env.isEmpty {
            dirs.append(URL(fileURLWithPath: env))
        }
        var exeDir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            dirs.append(exeDir.appendingPathComponent("vm-images"))
            dirs.append(exeDir.appendingPathComponent("share/kgate/vm-images"))
            exeDir.deleteLastPathComponent()
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        dirs.append(packageRoot.appendingPathComponent("vm-images"))
        dirs.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("vm-images"))
        for dir in dirs {
            let recipe = dir.appendingPathComponent("guest.recipe")
            if FileManager.default.fileExists(atPath: recipe.path) { return recipe.standardizedFileURL }
        }
        throw KGateError.infrastructure("the default guest recipe vm-images/guest.recipe was not found",
                                        location: dirs.map(\.path).joined(separator: ", "),
                                        fix: "pass --recipe FILE or set KGATE_VM_IMAGES to the vm-images directory")
    }

    /// Builds (or returns the cached) image for a recipe.
    public static func build(recipe: URL, paths: CachePaths, console: Console = .shared) throws -> BuiltImage {
        let start = Date()
        console.status("image: resolving \(recipe.lastPathComponent)")
        let parsed = try Recipe.load(recipe)
        // The hash covers helper sources (not their compiled bytes): a cached image
        // needs no C compiler; helpers are compiled only when the image is written.
        let hash = contentHash(recipe: parsed, entries: try ImageAssembler.entries(for: parsed, compile: false))
        let url = paths.image(hash: hash)
        if let size = fileSize(url) {
            console.clear()
            return BuiltImage(url: url, hash: hash, bytes: size, cached: true, seconds: Date().timeIntervalSince(start))
        }
        let entries = try ImageAssembler.entries(for: parsed)
        console.status("image: writing \(entries.count) entries")
        let data = Cpio.archive(entries, padTo: 512)
        try CachePaths.ensureDirectory(paths.images)
        let tmp = paths.images.appendingPathComponent(".\(hash).\(getpid()).tmp")
        do {
            try data.write(to: tmp)
            if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: tmp) }
            else { try FileManager.default.moveItem(at: tmp, to: url) }
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw KGateError.infrastructure("cannot write guest image: \(error.localizedDescription)", location: url.path,
                                            fix: "check free space and permissions under the cache", cause: error)
        }
        console.clear()
        return BuiltImage(url: url, hash: hash, bytes: data.count, cached: false, seconds: Date().timeIntervalSince(start))
    }

    /// A cpio newc archive holding `files` (and their parent directories),
    /// deterministic: sorted entries, fixed mtimes.
    public static func planArchive(_ files: [PlanFile]) throws -> Data {
        var entries: [CpioEntry] = []
        var total = 0
        for f in files {
            let path = try ArchivePath.normalize(f.path)
            guard f.mode <= 0o7777 else { throw KGateError.usage("plan file \(f.path): invalid mode \(String(f.mode, radix: 8))") }
            total += f.contents.count
            guard total <= planLimit else { throw KGateError.usage("plan archive exceeds \(planLimit) bytes") }
            for parent in ArchivePath.parents(path) where !entries.contains(where: { $0.path == parent }) {
                entries.append(CpioEntry(path: parent, kind: .directory, permissions: 0o755))
            }
            entries.append(CpioEntry(path: path, kind: .file(f.contents), permissions: f.mode))
        }
        return Cpio.archive(entries)
    }

    /// The guest paths → host files of an executable's shared-library closure.
    public static func libraryClosure(of executable: URL) throws -> [ClosureFile] {
        try LibraryClosure.resolve(executable)
    }

    static func contentHash(recipe: Recipe, entries: [CpioEntry]) -> String {
        var manifest = formatVersion + "\n" + recipe.text + "\n"
        for e in entries.sorted(by: { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }) {
            let kind: String
            switch e.kind {
            case .file(let d): kind = "f " + Digest.sha256Hex(d)
            case .directory: kind = "d"
            case .symlink(let t): kind = "l " + t
            case .characterDevice(let ma, let mi): kind = "c \(ma) \(mi)"
            case .blockDevice(let ma, let mi): kind = "b \(ma) \(mi)"
            }
            manifest += "\(e.path) \(String(e.permissions, radix: 8)) \(kind)\n"
        }
        return String(Digest.sha256Hex(manifest).prefix(32))
    }

    static func fileSize(_ url: URL) -> Int? {
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: url.path) else { return nil }
        return (attrs[.size] as? NSNumber)?.intValue
    }
}
