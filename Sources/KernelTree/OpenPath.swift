import Foundation
import KGateCore

extension TreeStore {
    /// Opens the clone at `path` without registering it (used by
    /// `kgate bisect-step`, which runs inside the user's own clone).
    public func open(path: URL) throws -> KernelRepository {
        let standardized = path.standardizedFileURL.resolvingSymlinksInPath()
        let id = Digest.sha256Hex(standardized.path).prefix(12)
        return try KernelRepository(info: TreeInfo(name: "clone-\(id)", path: standardized.path, kind: .external, source: nil))
    }
}
