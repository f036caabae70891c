import Foundation

/// Finds kgate's shipped data (`vm-images/`, `pipelines/`): `$KGATE_SHARE`,
/// else the nearest directory holding both, searched upward from the
/// executable and from the current directory. A checkout of the repository and
/// an installed copy (`<prefix>/share/kgate`) both work.
public enum Resources {
    public static func root(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        if let share = environment["KGATE_SHARE"], !share.isEmpty {
            let url = URL(fileURLWithPath: share)
            guard isShareRoot(url) else {
                throw KGateError.usage("KGATE_SHARE does not hold vm-images/ and pipelines/", location: share)
            }
            return url
        }
        var starts: [URL] = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            starts.insert(exe.deletingLastPathComponent(), at: 0)
        }
        for start in starts {
            var dir = start.standardizedFileURL
            while true {
                if isShareRoot(dir) { return dir }
                let installed = dir.appendingPathComponent("share/kgate")
                if isShareRoot(installed) { return installed }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        throw KGateError.usage("cannot find kgate's vm-images/ and pipelines/ directories",
                               fix: "run kgate from its repository, or set KGATE_SHARE to the directory holding them")
    }

    public static func vmImages() throws -> URL { try root().appendingPathComponent("vm-images") }
    public static func pipelines() throws -> URL { try root().appendingPathComponent("pipelines") }

    static func isShareRoot(_ url: URL) -> Bool {
        var isDir: ObjCBool = false
        let fm = FileManager.default
        return fm.fileExists(atPath: url.appendingPathComponent("vm-images").path, isDirectory: &isDir) && isDir.boolValue
            && fm.fileExists(atPath: url.appendingPathComponent("pipelines").path, isDirectory: &isDir) && isDir.boolValue
    }
}
