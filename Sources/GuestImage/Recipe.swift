import Foundation
import KGateCore

/// One line of a guest image recipe (format documented in `vm-images/guest.recipe`).
public enum RecipeItem: Sendable, Equatable {
    /// `binary SRC [DST]`: a host ELF executable and its shared-library closure.
    case binary(source: String, destination: String)
    /// `busybox SRC`: busybox at /bin/busybox plus a symlink per applet.
    case busybox(source: String)
    /// `file SRC DST MODE`: a file copied as is (octal mode).
    case file(source: String, destination: String, mode: UInt32)
    /// `dir PATH [MODE]`.
    case directory(path: String, mode: UInt32)
    /// `symlink TARGET LINK`.
    case symlink(target: String, link: String)
    /// `nod PATH MODE c|b MAJOR MINOR`: a device node (e.g. /dev/console).
    case node(path: String, mode: UInt32, isBlock: Bool, major: UInt32, minor: UInt32)
    /// `init SRC`: the guest init script, installed as /init (0755).
    case initScript(source: String)
    /// `compile SRC DST`: a C source compiled on the host at image-build time
    /// (`cc -O2 -static`), installed at DST (0755).
    case compile(source: String, destination: String)
}

/// A parsed recipe: its items, the text (part of the image hash) and where it lives.
public struct Recipe: Sendable, Equatable {
    public var url: URL
    public var text: String
    public var items: [RecipeItem]

    /// Recipes are small; anything larger is not a recipe.
    public static let sizeLimit = 1 << 20

    public static func load(_ url: URL) throws -> Recipe {
        let data = try readBoundedFile(url, limit: sizeLimit, what: "image recipe")
        guard let text = String(data: data, encoding: .utf8) else {
            throw KGateError.usage("image recipe is not UTF-8", location: url.path)
        }
        return try parse(text, url: url)
    }

    public static func parse(_ text: String, url: URL) throws -> Recipe {
        var items: [RecipeItem] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let verb = words.first else { continue }
            let location = "\(url.path):\(index + 1)"
            func bad(_ why: String) -> KGateError {
                KGateError.usage("bad recipe line: \(why)", location: location,
                                 fix: "see the format at the top of vm-images/guest.recipe")
            }
            func count(_ allowed: ClosedRange<Int>) throws {
                guard allowed.contains(words.count - 1) else { throw bad("'\(verb)' takes \(allowed) arguments") }
            }
            func guestPath(_ p: String) throws -> String {
                do { return try ArchivePath.normalize(p) } catch { throw bad("invalid guest path '\(p)'") }
            }
            func octal(_ s: String) throws -> UInt32 {
                guard let v = UInt32(s, radix: 8), v <= 0o7777 else { throw bad("invalid octal mode '\(s)'") }
                return v
            }
            switch verb {
            case "binary":
                try count(1...2)
                items.append(.binary(source: words[1], destination: try guestPath(words.count > 2 ? words[2] : words[1])))
            case "busybox":
                try count(1...1)
                items.append(.busybox(source: words[1]))
            case "file":
                try count(3...3)
                items.append(.file(source: words[1], destination: try guestPath(words[2]), mode: try octal(words[3])))
            case "dir":
                try count(1...2)
                items.append(.directory(path: try guestPath(words[1]), mode: words.count > 2 ? try octal(words[2]) : 0o755))
            case "symlink":
                try count(2...2)
                guard !words[1].isEmpty, words[1].utf8.count < 4096 else { throw bad("invalid symlink target") }
                items.append(.symlink(target: words[1], link: try guestPath(words[2])))
            case "nod":
                try count(5...5)
                guard words[3] == "c" || words[3] == "b" else { throw bad("node type must be c or b") }
                guard let major = UInt32(words[4]), let minor = UInt32(words[5]) else { throw bad("invalid device numbers") }
                items.append(.node(path: try guestPath(words[1]), mode: try octal(words[2]), isBlock: words[3] == "b",
                                   major: major, minor: minor))
            case "compile":
                try count(2...2)
                guard words[1].hasSuffix(".c") else { throw bad("'compile' takes a C source ending in .c") }
                items.append(.compile(source: words[1], destination: try guestPath(words[2])))
            case "init":
                try count(1...1)
                items.append(.initScript(source: words[1]))
            default:
                throw bad("unknown directive '\(verb)'")
            }
        }
        guard items.contains(where: { if case .initScript = $0 { return true } else { return false } }) else {
            throw KGateError.usage("image recipe has no 'init' line", location: url.path,
                                   fix: "add 'init init' naming the guest init script")
        }
        return Recipe(url: url, text: text, items: items)
    }

    /// A recipe source path: absolute as is, relative to the recipe's directory otherwise.
    public func resolveSource(_ path: String) -> URL {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path) }
        return url.deletingLastPathComponent().appendingPathComponent(path).standardizedFileURL
    }
}

/// Paths inside an archive: relative, "/"-separated, no "." or ".." components.
public enum ArchivePath {
    public static func normalize(_ path: String) throws -> String {
        var p = Substring(path)
        while p.hasPrefix("/") { p = p.dropFirst() }
        let parts = p.split(separator: "/", omittingEmptySubsequences: true)
        guard !parts.isEmpty, path.utf8.count < 4096 else {
            throw KGateError.usage("empty or overlong archive path '\(path)'")
        }
        for part in parts {
            if part == "." || part == ".." {
                throw KGateError.usage("archive path '\(path)' contains '\(part)'", fix: "use a plain relative path")
            }
            if part.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f }) {
                throw KGateError.usage("archive path contains control characters", location: path)
            }
        }
        return parts.joined(separator: "/")
    }

    /// "a/b/c" → ["a", "a/b"].
    public static func parents(_ path: String) -> [String] {
        let parts = path.split(separator: "/")
        guard parts.count > 1 else { return [] }
        return (1..<parts.count).map { parts[0..<$0].joined(separator: "/") }
    }
}
