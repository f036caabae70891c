import Foundation
import KGateCore

/// One build's outcome, stored as `build.json` next to the image in
/// `builds/<config-hash>/<tree-oid>/`.
public struct BuildResult: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable { case success, failed }

    public var status: Status
    /// The kernel image (`bzImage`) copied into the result directory.
    public var image: String
    /// `include/config/kernel.release` (`6.12.0`).
    public var kernelRelease: String
    public var configHash: String
    public var treeOID: String
    /// The commit id (or revision text) the build was asked for.
    public var revision: String
    public var arch: String
    /// `gcc --version`, first line.
    public var compiler: String
    /// Wall time of the whole build: configure + make + storing.
    public var durationSeconds: Double
    public var configureSeconds: Double
    public var makeSeconds: Double
    /// Translation units compiled by this build (`  CC` lines).
    public var objectsCompiled: Int
    public var warningCount: Int
    /// All warnings of the configuration at this revision (first 2000).
    public var warnings: [BuildWarning]
    /// Warnings absent from the baseline build (line numbers ignored).
    public var newWarnings: [BuildWarning]
    /// The first error, for failed builds.
    public var error: String?
    /// True when returned from the result cache without running make.
    public var cached: Bool
    public var log: String
    public var metadata: String
    public var config: String
    public var date: Date
    /// True when the configuration step was skipped: the verified `.config` of
    /// the object directory was reused because nothing it depends on changed.
    public var configurationReused: Bool? = nil

    public var imageURL: URL { URL(fileURLWithPath: image) }
    public var logURL: URL { URL(fileURLWithPath: log) }
    public var configURL: URL { URL(fileURLWithPath: config) }
    public var metadataURL: URL { URL(fileURLWithPath: metadata) }
    /// The result directory.
    public var directory: URL { metadataURL.deletingLastPathComponent() }

    static let maxWarningsStored = 2000

    /// Points every path at `directory` (a cache may have moved since it was written).
    mutating func relocate(to directory: URL) {
        image = directory.appendingPathComponent("bzImage").path
        log = directory.appendingPathComponent("build.log").path
        config = directory.appendingPathComponent("config").path
        metadata = directory.appendingPathComponent("build.json").path
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        do { return try encoder.encode(self) } catch {
            throw KGateError.infrastructure("cannot encode build metadata: \(error)", cause: error)
        }
    }

    public static func load(_ url: URL) throws -> BuildResult {
        let data = try readBoundedFile(url, limit: 8 << 20, what: "build metadata")
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            var r = try decoder.decode(BuildResult.self, from: data)
            r.relocate(to: url.deletingLastPathComponent())
            return r
        } catch {
            throw KGateError.infrastructure("unreadable build metadata: \(error)", location: url.path,
                                            fix: "delete the directory; the next build recreates it", cause: error)
        }
    }
}

/// Host tools the kernel build needs, checked before anything runs.
enum Toolchain {
    static let pieces = ["gcc", "make", "flex", "bison", "bc", "perl", "libelf headers", "libssl headers", "ccache"]

    static func check() throws {
        let missing = HostRequirements.all.filter { pieces.contains($0.name) && !HostRequirements.isMet($0) }
        guard !missing.isEmpty else { return }
        let packages = missing.map(\.package).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        throw KGateError.infrastructure(
            "the kernel build needs " + missing.map(\.name).joined(separator: ", ") + ", missing on this host",
            location: "PATH / /usr/include",
            fix: "apt-get install -y " + packages.joined(separator: " "))
    }

    /// `gcc --version`'s first line: part of the config hash and the result-cache key.
    static func compilerVersion() throws -> String {
        let r = try ProcessRunner.run("gcc", ["--version"], stderr: .discard, timeout: 30)
        guard r.succeeded, let first = r.stdout.split(separator: "\n").first else {
            throw KGateError.infrastructure("'gcc --version' failed", fix: "apt-get install -y gcc")
        }
        return String(first)
    }
}
