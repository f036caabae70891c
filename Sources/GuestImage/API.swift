import Foundation
import KGateCore

// CONTRACT for GuestImage (issue 4). The VM work replaces the PLACEHOLDER
// bodies, keeping these signatures (it may add to them).

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
    /// The default recipe shipped in `vm-images/`, found next to the package
    /// sources or the installed binary.
    public static func defaultRecipe() throws -> URL { throw placeholder() }

    /// Builds (or returns the cached) image for a recipe.
    public static func build(recipe: URL, paths: CachePaths, console: Console = .shared) throws -> BuiltImage {
        throw placeholder()
    }

    /// A cpio newc archive holding `files` (and their parent directories),
    /// deterministic: sorted entries, fixed mtimes.
    public static func planArchive(_ files: [PlanFile]) throws -> Data { throw placeholder() }
}

private func placeholder() -> KGateError { KGateError.infrastructure("GuestImage is not implemented yet") }
