import Foundation
import KGateCore

/// Where the configuration starts before fragments are merged.
public enum ConfigBase: Sendable, Equatable {
    /// `make tinyconfig` (the default: the smallest kernel the fragments grow from).
    case tinyconfig
    /// `make defconfig` for the architecture.
    case defconfig
    /// A complete `.config` copied from a file.
    case file(URL)

    /// Parses `tinyconfig`, `defconfig` or a path.
    public static func parse(_ text: String) -> ConfigBase {
        switch text {
        case "tinyconfig": return .tinyconfig
        case "defconfig": return .defconfig
        default: return .file(URL(fileURLWithPath: text))
        }
    }
}

/// The value one kconfig item asks for.
public enum ConfigValue: Sendable, Equatable, Hashable, Codable {
    case yes, module, notSet
    /// A quoted string, kept with its quotes and escapes as written (`"ttyS0"`).
    case string(String)
    /// A decimal or hex number.
    case number(String)

    /// The value as it appears after `CONFIG_X=` (nil for "is not set").
    public var rendered: String? {
        switch self {
        case .yes: return "y"
        case .module: return "m"
        case .notSet: return nil
        case .string(let s): return s
        case .number(let n): return n
        }
    }

    /// How reports show it: `y`, `m`, `"str"`, `is not set`.
    public var display: String { rendered ?? "is not set" }

    /// Parses the right-hand side of `CONFIG_X=...`; nil when malformed.
    static func parse(_ raw: String) -> ConfigValue? {
        switch raw {
        case "y": return .yes
        case "m": return .module
        case "n": return .notSet
        default: break
        }
        if raw.count >= 2, raw.hasPrefix("\""), raw.hasSuffix("\"") {
            let inner = raw.dropFirst().dropLast()
            var escaped = false
            for ch in inner {
                if escaped { escaped = false; continue }
                if ch == "\\" { escaped = true; continue }
                if ch == "\"" { return nil }
            }
            return escaped ? nil : .string(raw)
        }
        let isDecimal = raw.range(of: #"^-?[0-9]+$"#, options: .regularExpression) != nil
        let isHex = raw.range(of: #"^0[xX][0-9a-fA-F]+$"#, options: .regularExpression) != nil
        return isDecimal || isHex ? .number(raw) : nil
    }
}

/// One requested option and where it was asked for.
public struct ConfigItem: Sendable, Equatable {
    /// The symbol without `CONFIG_` (`VETH`).
    public var symbol: String
    public var value: ConfigValue
    /// `path:line` of a fragment, or `--set` for inline items.
    public var origin: String
    /// False for the shipped default fragments (a drop there is kgate's problem, not the user's).
    public var userProvided: Bool

    /// The `.config` line for this item.
    public var configLine: String {
        if let v = value.rendered { return "CONFIG_\(symbol)=\(v)" }
        return "# CONFIG_\(symbol) is not set"
    }

    /// Parses one fragment or inline line. Returns nil for blank lines and comments;
    /// throws a `.usage` error naming `origin` for a malformed line.
    public static func parse(line rawLine: String, origin: String, userProvided: Bool) throws -> ConfigItem? {
        let line = rawLine.trimmingCharacters(in: .whitespaces)
        if line.isEmpty { return nil }
        if line.hasPrefix("#") {
            let pattern = #"^# CONFIG_([A-Za-z0-9_]+) is not set$"#
            guard line.range(of: pattern, options: .regularExpression) != nil else {
                if line.contains("CONFIG_"), line.hasSuffix("is not set") { throw malformed(rawLine, origin) }
                return nil  // an ordinary comment
            }
            let symbol = String(line.dropFirst("# CONFIG_".count).dropLast(" is not set".count))
            return ConfigItem(symbol: symbol, value: .notSet, origin: origin, userProvided: userProvided)
        }
        guard line.hasPrefix("CONFIG_"), let eq = line.firstIndex(of: "=") else { throw malformed(rawLine, origin) }
        let symbol = String(line[line.index(line.startIndex, offsetBy: 7)..<eq])
        let raw = String(line[line.index(after: eq)...])
        guard !symbol.isEmpty, symbol.range(of: #"^[A-Za-z0-9_]+$"#, options: .regularExpression) != nil,
              let value = ConfigValue.parse(raw)
        else { throw malformed(rawLine, origin) }
        return ConfigItem(symbol: symbol, value: value, origin: origin, userProvided: userProvided)
    }

    private static func malformed(_ line: String, _ origin: String) -> KGateError {
        let shown = line.count > 200 ? String(line.prefix(200)) + "…" : line
        return KGateError.usage("malformed kconfig line: '\(shown)'", location: origin,
                                fix: "write CONFIG_NAME=y, CONFIG_NAME=m, CONFIG_NAME=\"text\", CONFIG_NAME=123 or '# CONFIG_NAME is not set'")
    }
}

/// A kernel configuration request: a base, fragments and inline items, merged
/// in that order with merge_config semantics (a later item for a symbol wins).
public struct BuildConfig: Sendable, Equatable {
    public var base: ConfigBase
    /// Fragment files, merged in order.
    public var fragments: [URL]
    /// Inline items (`CONFIG_X=y`, `# CONFIG_X is not set`), merged after the fragments.
    public var items: [String]
    public var arch: String
    /// False when `fragments` are kgate's shipped defaults rather than the user's choice.
    public var fragmentsAreUserProvided: Bool

    /// The largest fragment accepted.
    public static let fragmentLimit = 1 << 20

    public init(base: ConfigBase = .tinyconfig, fragments: [URL] = [], items: [String] = [],
                arch: String = "x86_64", fragmentsAreUserProvided: Bool = true) {
        self.base = base
        self.fragments = fragments
        self.items = items
        self.arch = arch
        self.fragmentsAreUserProvided = fragmentsAreUserProvided
    }

    /// The shipped fragments (`vm-images/kconfig/*.config`), not user-provided.
    public static func standard(base: ConfigBase = .tinyconfig, items: [String] = []) throws -> BuildConfig {
        let shared = (try? Resources.vmImages()).map { $0.appendingPathComponent("kconfig") }
        guard let dir = shared ?? KernelBuild.defaultFragmentsDirectory() else {
            throw KGateError.infrastructure("cannot find the shipped kconfig fragments (vm-images/kconfig)",
                                            location: FileManager.default.currentDirectoryPath,
                                            fix: "run kgate from its source checkout, or pass --fragment FILE")
        }
        let files = try KernelBuild.fragments(in: dir)
        return BuildConfig(base: base, fragments: files, items: items, fragmentsAreUserProvided: false)
    }

    /// Reads and parses everything; the requested items in merge order, one per symbol (later wins).
    public func resolve() throws -> ResolvedConfig {
        guard arch == "x86_64" else {
            throw KGateError.usage("unsupported architecture '\(arch)'", fix: "kgate builds x86_64 guests")
        }
        var merged: [ConfigItem] = []
        var index: [String: Int] = [:]
        func add(_ item: ConfigItem) {
            if let i = index[item.symbol] { merged[i] = item } else { index[item.symbol] = merged.count; merged.append(item) }
        }
        var baseKey: String
        switch base {
        case .tinyconfig: baseKey = "tinyconfig"
        case .defconfig: baseKey = "defconfig"
        case .file(let url):
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw KGateError.usage("config base file not found", location: url.path,
                                       fix: "pass --config-base tinyconfig, defconfig or an existing .config")
            }
            let data = try readBoundedFile(url, limit: 8 << 20, what: "config base file")
            baseKey = "file:" + Digest.sha256Hex(data)
        }
        for url in fragments {
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw KGateError.usage("kconfig fragment not found", location: url.path,
                                       fix: "check the path given to --fragment (shipped fragments live in vm-images/kconfig/)")
            }
            let data = try readBoundedFile(url, limit: Self.fragmentLimit, what: "kconfig fragment")
            guard let text = String(data: data, encoding: .utf8) else {
                throw KGateError.usage("kconfig fragment is not UTF-8 text", location: url.path)
            }
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let l = line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
                if let item = try ConfigItem.parse(line: l, origin: "\(url.path):\(n + 1)",
                                                   userProvided: fragmentsAreUserProvided) { add(item) }
            }
        }
        for (n, raw) in items.enumerated() {
            guard let item = try ConfigItem.parse(line: raw, origin: "--set #\(n + 1)", userProvided: true) else {
                throw KGateError.usage("empty or comment-only --set item: '\(raw)'", location: "--set #\(n + 1)",
                                       fix: "write --set CONFIG_NAME=y or --set '# CONFIG_NAME is not set'")
            }
            add(item)
        }
        return ResolvedConfig(base: base, baseKey: baseKey, arch: arch, items: merged)
    }
}

/// A parsed configuration request, ready to hash and apply.
public struct ResolvedConfig: Sendable, Equatable {
    public var base: ConfigBase
    /// `tinyconfig`, `defconfig` or `file:<sha256>`.
    public var baseKey: String
    public var arch: String
    /// One item per symbol, in merge order.
    public var items: [ConfigItem]

    /// The normalized text the config hash covers (origins do not matter, values do).
    public func normalized(compiler: String) -> String {
        var lines = ["kgate-config v1", CompilerCache.identity, "arch=\(arch)", "base=\(baseKey)", "compiler=\(compiler)"]
        lines += items.map(\.configLine).sorted()
        return lines.joined(separator: "\n") + "\n"
    }

    /// The first 16 hex digits of sha256(normalized inputs + compiler version).
    public func hash(compiler: String) -> String {
        String(Digest.sha256Hex(normalized(compiler: compiler)).prefix(16))
    }
}
