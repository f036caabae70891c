import Foundation
import KGateCore
import Results

/// A build artifact (`kgate build --export DIR`): the base and candidate
/// kernels and the guest image of one check, laid out like the cache
/// (`builds/<config-hash>/<tree-oid>/{bzImage,build.json,config,build.log}`,
/// `images/<hash>.cpio`) with `manifest.json` listing every file with its size
/// and SHA-256. Measurement jobs import it (`kgate build --import DIR`,
/// `kgate check --artifacts DIR`) and never run make.
public struct ArtifactManifest: Codable, Sendable, Equatable {
    public static let formatVersion = 1
    public static let fileName = "manifest.json"

    public struct File: Codable, Sendable, Equatable {
        /// Relative to the artifact directory (and to the cache root on import).
        public var path: String
        public var bytes: Int
        public var sha256: String
    }

    /// The patchwork series a check's artifact was exported from (`--patchwork URL --series ID`):
    /// `kgate merge --post-patchwork` posts to its patches without fetching the series again.
    public struct PatchworkOrigin: Codable, Sendable, Equatable {
        public var url: String
        public var series: Int
        public var patches: [Int]
        public init(url: String, series: Int, patches: [Int]) { self.url = url; self.series = series; self.patches = patches }
    }

    public var format: Int
    /// How the merge stores the run: a check, or a nightly (`kgate nightly` finds its last good night).
    public var kind: RunKind
    public var tree: String
    public var base: String
    public var candidate: String
    public var seriesSubject: String?
    public var patchsetHash: String?
    public var commits: [RunCommit]
    /// The pipeline's name and the SHA-256 of its file: shards and the merge must use the same one.
    public var pipeline: String
    public var pipelineDigest: String
    public var configHash: String
    /// Relative directories of the two build results and the guest image's path.
    public var baseBuild: String
    public var candidateBuild: String
    public var guestImage: String
    public var files: [File]
    public var patchwork: PatchworkOrigin?

    /// A manifest's comparison, before `ArtifactWriter` adds the layout and the files.
    public static func header(kind: RunKind, tree: String, base: String, candidate: String, seriesSubject: String?,
                              patchsetHash: String?, commits: [RunCommit], pipeline: String, pipelineDigest: String,
                              patchwork: PatchworkOrigin? = nil) -> ArtifactManifest {
        ArtifactManifest(format: formatVersion, kind: kind, tree: tree, base: base, candidate: candidate, seriesSubject: seriesSubject,
                         patchsetHash: patchsetHash, commits: commits, pipeline: pipeline, pipelineDigest: pipelineDigest,
                         configHash: "", baseBuild: "", candidateBuild: "", guestImage: "", files: [],
                         patchwork: patchwork)
    }

    /// Bounds for untrusted artifacts.
    static let maxManifestBytes = 1 << 20
    static let maxFiles = 64
    static let maxFileBytes = 1 << 30

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do { return try encoder.encode(self) } catch {
            throw KGateError.infrastructure("cannot encode the artifact manifest: \(error)", cause: error)
        }
    }

    /// Reads and checks a manifest: known format, at most `maxFiles` files,
    /// every path relative, made of plain names under `builds/` or `images/`
    /// (no `..`, no absolute path), each size bounded, and the three entries it
    /// names present in its file list.
    public static func load(_ directory: URL) throws -> (manifest: ArtifactManifest, digest: String) {
        let url = directory.appendingPathComponent(fileName)
        let data = try readBoundedFile(url, limit: maxManifestBytes, what: "artifact manifest")
        let m: ArtifactManifest
        do { m = try JSONDecoder().decode(ArtifactManifest.self, from: data) } catch {
            throw KGateError.usage("the artifact manifest is not valid: \(error)", location: url.path,
                                   fix: "export the artifact again with kgate build --export DIR", cause: error)
        }
        func bad(_ what: String) -> KGateError {
            KGateError.usage("the artifact manifest is not valid: \(what)", location: url.path,
                             fix: "export the artifact again with kgate build --export DIR; do not edit it")
        }
        guard m.format == formatVersion else { throw bad("format \(m.format), this kgate reads \(formatVersion)") }
        guard m.files.count <= maxFiles else { throw bad("\(m.files.count) files (at most \(maxFiles))") }
        var seen = Set<String>()
        for f in m.files {
            guard isSafe(f.path) else { throw bad("unsafe path '\(f.path.prefix(200))'") }
            guard f.bytes >= 0, f.bytes <= maxFileBytes else { throw bad("\(f.path): size \(f.bytes) out of bounds") }
            guard f.sha256.count == 64, f.sha256.allSatisfy(\.isHexDigit) else { throw bad("\(f.path): bad sha256") }
            guard seen.insert(f.path).inserted else { throw bad("\(f.path) listed twice") }
        }
        for dir in [m.baseBuild, m.candidateBuild] {
            for name in ["bzImage", "build.json"] where !seen.contains("\(dir)/\(name)") {
                throw bad("\(dir)/\(name) is not listed")
            }
        }
        guard seen.contains(m.guestImage) else { throw bad("the guest image \(m.guestImage) is not listed") }
        return (m, Digest.sha256Hex(data))
    }

    /// A plain relative path under `builds/` or `images/`: no empty, `.` or
    /// `..` component, only `[A-Za-z0-9._-]` characters.
    static func isSafe(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts.count <= 4, ["builds", "images"].contains(String(parts[0])) else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part != "." && part != ".." && part.count <= 128
                && part.unicodeScalars.allSatisfy { CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-").contains($0) }
        }
    }

    /// The listed file's entry for `path` (hashing and sizing from disk).
    public static func entry(_ path: String, in directory: URL) throws -> File {
        let data = try readBoundedFile(directory.appendingPathComponent(path), limit: maxFileBytes, what: "artifact file")
        return File(path: path, bytes: data.count, sha256: Digest.sha256Hex(data))
    }
}

/// An artifact imported into the local cache after every digest matched.
public struct ImportedArtifact: Sendable {
    public var manifest: ArtifactManifest
    /// SHA-256 of `manifest.json`: shards and the merge check they measured the same artifact.
    public var digest: String
    public var baseImage: URL
    public var candidateImage: URL
    public var guestImage: URL

    /// Verifies every file of `directory` against the manifest (regular file,
    /// exact size, SHA-256) and copies it into the cache at the same relative
    /// path; a file already there with the same digest is kept.
    public static func load(_ directory: URL, paths: CachePaths, console: Console = .shared) throws -> ImportedArtifact {
        let (m, digest) = try ArtifactManifest.load(directory)
        let fm = FileManager.default
        for f in m.files {
            let src = directory.appendingPathComponent(f.path)
            let attrs = try? fm.attributesOfItem(atPath: src.path)
            guard attrs?[.type] as? FileAttributeType == .typeRegular else {
                throw KGateError.usage("artifact file \(f.path) is missing or not a regular file", location: src.path,
                                       fix: "copy the whole artifact directory (kgate build --export DIR)")
            }
            let data = try readBoundedFile(src, limit: f.bytes, what: "artifact file \(f.path)")
            guard data.count == f.bytes, Digest.sha256Hex(data) == f.sha256 else {
                throw KGateError.usage("artifact file \(f.path) does not match its manifest digest (corrupt or altered)",
                                       location: src.path, fix: "export the artifact again with kgate build --export DIR")
            }
            let dst = paths.root.appendingPathComponent(f.path)
            if let have = try? readBoundedFile(dst, limit: f.bytes, what: "cached file"), Digest.sha256Hex(have) == f.sha256 {
                continue
            }
            try CachePaths.ensureDirectory(dst.deletingLastPathComponent())
            do { try data.write(to: dst, options: .atomic) } catch {
                throw KGateError.infrastructure("cannot import artifact file \(f.path)", location: dst.path,
                                                fix: "check free space and permissions of the cache", cause: error)
            }
        }
        console.line("artifact \(digest.prefix(12)): \(m.files.count) files verified and imported "
                     + "(base \(m.base.prefix(12)), candidate \(m.candidate.prefix(12)))")
        return ImportedArtifact(manifest: m, digest: digest,
                                baseImage: paths.root.appendingPathComponent("\(m.baseBuild)/bzImage"),
                                candidateImage: paths.root.appendingPathComponent("\(m.candidateBuild)/bzImage"),
                                guestImage: paths.root.appendingPathComponent(m.guestImage))
    }
}
