import Foundation
import KGateCore

/// Namespace for module-level helpers.
public enum KernelBuild {
    /// `vm-images/kconfig`, searched upward from the executable and from the current directory.
    public static func defaultFragmentsDirectory(
        executable: URL? = Bundle.main.executableURL,
        currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    ) -> URL? {
        var starts: [URL] = []
        if let executable { starts.append(executable.resolvingSymlinksInPath().deletingLastPathComponent()) }
        starts.append(currentDirectory)
        for start in starts {
            var dir = start.standardizedFileURL
            for _ in 0..<12 {
                let candidate = dir.appendingPathComponent("vm-images/kconfig")
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDir), isDir.boolValue {
                    return candidate
                }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        return nil
    }

    /// The `*.config` fragments of a directory, sorted by name.
    public static func fragments(in directory: URL) throws -> [URL] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw KGateError.infrastructure("cannot list kconfig fragments", location: directory.path, cause: error)
        }
        let files = names.filter { $0.hasSuffix(".config") }.sorted().map { directory.appendingPathComponent($0) }
        guard !files.isEmpty else {
            throw KGateError.infrastructure("no *.config fragment in the kconfig directory", location: directory.path)
        }
        return files
    }
}

/// A `.config` file as lines, with symbol lookup.
struct DotConfig {
    var lines: [String]

    init(text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
    }

    static func read(_ url: URL) throws -> DotConfig {
        let data = try readBoundedFile(url, limit: 16 << 20, what: ".config")
        return DotConfig(text: String(decoding: data, as: UTF8.self))
    }

    func write(to url: URL) throws {
        do {
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url, options: .atomic)
        } catch {
            throw KGateError.infrastructure("cannot write .config", location: url.path, cause: error)
        }
    }

    /// The symbol a line sets or unsets, if any.
    static func symbol(of line: String) -> String? {
        if line.hasPrefix("CONFIG_"), let eq = line.firstIndex(of: "=") {
            return String(line[line.index(line.startIndex, offsetBy: 7)..<eq])
        }
        if line.hasPrefix("# CONFIG_"), line.hasSuffix(" is not set") {
            return String(line.dropFirst(9).dropLast(11))
        }
        return nil
    }

    /// Symbol → value (`y`, `m`, `"str"`, number); unset symbols are absent.
    var values: [String: String] {
        var out: [String: String] = [:]
        for line in lines where line.hasPrefix("CONFIG_") {
            if let eq = line.firstIndex(of: "=") {
                out[String(line[line.index(line.startIndex, offsetBy: 7)..<eq])] = String(line[line.index(after: eq)...])
            }
        }
        return out
    }

    /// merge_config semantics: each item replaces any line for its symbol and is appended.
    mutating func merge(_ items: [ConfigItem]) {
        let symbols = Set(items.map(\.symbol))
        lines.removeAll { line in DotConfig.symbol(of: line).map(symbols.contains) ?? false }
        lines += items.map(\.configLine)
    }
}

/// An option Kconfig did not keep at the requested value.
public struct DroppedOption: Sendable, Equatable {
    public var symbol: String
    public var requested: String
    /// The final value, or "is not set".
    public var final: String
    public var origin: String
    public var userProvided: Bool
    /// Why, when the Kconfig files tell: unmet dependencies, no prompt, unknown symbol.
    public var reason: String?

    public var report: String {
        var s = "CONFIG_\(symbol): requested \(requested), final \(final) (asked at \(origin))"
        if let reason { s += "\n    \(reason)" }
        return s
    }
}

enum ConfigVerifier {
    /// The items whose final value differs from the requested one.
    static func dropped(_ items: [ConfigItem], final: DotConfig) -> [DroppedOption] {
        let values = final.values
        var out: [DroppedOption] = []
        for item in items {
            let have = values[item.symbol]
            let ok: Bool
            switch item.value {
            case .notSet: ok = have == nil
            default: ok = have == item.value.rendered
            }
            if !ok {
                out.append(DroppedOption(symbol: item.symbol, requested: item.value.display,
                                         final: have ?? "is not set", origin: item.origin,
                                         userProvided: item.userProvided, reason: nil))
            }
        }
        return out
    }
}
