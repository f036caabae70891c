import Foundation
import KernelBuild
import KGateCore
import Results

/// Writes a build artifact (`kgate build --export DIR`): both kernels' build
/// results and the guest image laid out like the cache, and `manifest.json`
/// with every file's size and SHA-256 (`ArtifactManifest`).
public enum ArtifactWriter {
    /// Writes the files and the manifest; `header` is the manifest's comparison
    /// (kind, tree, revisions, series, commits, pipeline): its layout fields and
    /// file list are filled in here.
    @discardableResult
    public static func write(_ header: ArtifactManifest, baseBuild: BuildResult, candidateBuild: BuildResult, guestImage: URL,
                             to directory: URL, console: Console = .shared) throws -> ArtifactManifest {
        try CachePaths.ensureDirectory(directory)
        var files: [ArtifactManifest.File] = []
        func add(_ source: URL, as relative: String) throws {
            let target = directory.appendingPathComponent(relative)
            try CachePaths.ensureDirectory(target.deletingLastPathComponent())
            try? FileManager.default.removeItem(at: target)
            do { try FileManager.default.copyItem(at: source, to: target) } catch {
                throw KGateError.infrastructure("cannot write the artifact file \(relative): \(error.localizedDescription)",
                                                location: target.path, fix: "check that the export directory is writable", cause: error)
            }
            files.append(try ArtifactManifest.entry(relative, in: directory))
        }
        func addBuild(_ r: BuildResult) throws -> String {
            let dir = "builds/\(r.configHash)/\(r.treeOID)"
            for name in ["bzImage", "build.json", "config", "build.log"] {
                let src = r.directory.appendingPathComponent(name)
                if name == "bzImage" || name == "build.json" || FileManager.default.fileExists(atPath: src.path) {
                    try add(src, as: "\(dir)/\(name)")
                }
            }
            return dir
        }
        let baseDir = try addBuild(baseBuild)
        let candidateDir = baseDir == "builds/\(candidateBuild.configHash)/\(candidateBuild.treeOID)"
            ? baseDir : try addBuild(candidateBuild)
        let imagePath = "images/\(guestImage.lastPathComponent)"
        try add(guestImage, as: imagePath)
        var manifest = header
        manifest.format = ArtifactManifest.formatVersion
        manifest.configHash = baseBuild.configHash
        manifest.baseBuild = baseDir
        manifest.candidateBuild = candidateDir
        manifest.guestImage = imagePath
        manifest.files = files
        let url = directory.appendingPathComponent(ArtifactManifest.fileName)
        do { try manifest.encoded().write(to: url, options: .atomic) } catch {
            throw KGateError.infrastructure("cannot write the artifact manifest", location: url.path,
                                            fix: "check that the export directory is writable", cause: error)
        }
        let total = files.reduce(0) { $0 + $1.bytes }
        console.line("artifact: \(files.count) files, \(total / 1024) KiB in \(directory.path)")
        return manifest
    }
}
