import Foundation
import KGateCore

/// A file to install in the guest: where the guest loader will look for it,
/// and the host file (symlinks followed) that provides the bytes.
public struct ClosureFile: Sendable, Equatable {
    /// Absolute guest path ("/lib/x86_64-linux-gnu/libc.so.6").
    public var guestPath: String
    public var hostFile: URL
}

/// The shared-library closure of an executable, resolved the way ld.so does
/// it without a cache: PT_INTERP, then each DT_NEEDED searched in DT_RPATH /
/// DT_RUNPATH ($ORIGIN expanded), then the system directories.
public enum LibraryClosure {
    public static let searchPaths = [
        "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
    ]
    /// Host files read for the closure are bounded (libraries are a few MiB).
    static let fileLimit = 256 << 20

    /// The executable itself first, then the interpreter and every library
    /// (sorted by guest path). Throws naming the first library not found.
    public static func resolve(_ executable: URL, searchPaths: [String] = searchPaths) throws -> [ClosureFile] {
        let exeReal = executable.resolvingSymlinksInPath()
        let exeData = try readBoundedFile(exeReal, limit: fileLimit, what: "executable")
        let exeInfo = try ELF.dynamicInfo(exeData, location: executable.path)
        var result: [String: ClosureFile] = [:]
        var queue: [(info: ELFDynamicInfo, origin: String, name: String)] = [(exeInfo, exeReal.deletingLastPathComponent().path, executable.path)]
        if let interp = exeInfo.interpreter {
            let host = URL(fileURLWithPath: interp)
            guard FileManager.default.fileExists(atPath: host.path) else {
                throw KGateError.infrastructure("interpreter \(interp) of \(executable.path) is missing on the host",
                                                location: executable.path, fix: "apt-get install --reinstall libc6")
            }
            result[interp] = ClosureFile(guestPath: interp, hostFile: host.resolvingSymlinksInPath())
        }
        var seen: Set<String> = []
        while !queue.isEmpty {
            let (info, origin, name) = queue.removeFirst()
            let dirs = info.runpath.map { $0.replacingOccurrences(of: "$ORIGIN", with: origin)
                .replacingOccurrences(of: "${ORIGIN}", with: origin) } + searchPaths
            for lib in info.needed where !seen.contains(lib) {
                seen.insert(lib)
                guard let (guestPath, real, libInfo) = try find(lib, in: dirs, machine: exeInfo.machine) else {
                    throw KGateError.infrastructure("library \(lib) needed by \(name) not found",
                                                    location: dirs.joined(separator: ":"),
                                                    fix: "install the Debian package providing \(lib) (dpkg -S \(lib))")
                }
                result[guestPath] = ClosureFile(guestPath: guestPath, hostFile: real)
                queue.append((libInfo, real.deletingLastPathComponent().path, guestPath))
            }
        }
        let libs = result.values.sorted { $0.guestPath < $1.guestPath }
        return [ClosureFile(guestPath: executable.path, hostFile: exeReal)] + libs
    }

    private static func find(_ lib: String, in dirs: [String], machine: UInt16) throws -> (String, URL, ELFDynamicInfo)? {
        if lib.contains("/") {
            let url = URL(fileURLWithPath: lib)
            guard let info = try? candidate(url, machine: machine) else { return nil }
            return (lib, url.resolvingSymlinksInPath(), info)
        }
        for dir in dirs {
            let url = URL(fileURLWithPath: dir).appendingPathComponent(lib)
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            if let info = try? candidate(url, machine: machine) {
                return (url.path, url.resolvingSymlinksInPath(), info)
            }
        }
        return nil
    }

    /// A library matching the executable's machine (a 32-bit copy elsewhere is skipped).
    private static func candidate(_ url: URL, machine: UInt16) throws -> ELFDynamicInfo? {
        let data = try readBoundedFile(url.resolvingSymlinksInPath(), limit: fileLimit, what: "library")
        let info = try ELF.dynamicInfo(data, location: url.path)
        return info.machine == machine ? info : nil
    }
}
