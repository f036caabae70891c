import Foundation
import KGateCore

/// What the Kconfig files say about one symbol: where it is defined, its
/// `depends on` clauses (including enclosing `if` and `menu` conditions of the
/// same file) and whether the user can set it at all (has a prompt).
struct KconfigSymbolInfo: Sendable, Equatable {
    var symbol: String
    var location: String
    var dependencies: [String]
    var hasPrompt: Bool
}

/// A small reader of the kernel's Kconfig language, enough to explain a drop.
enum KconfigDependencies {
    /// Scans every `Kconfig*` file of `source` for the given symbols.
    static func lookup(_ symbols: Set<String>, source: URL) -> [String: KconfigSymbolInfo] {
        var found: [String: KconfigSymbolInfo] = [:]
        let skip: Set<String> = ["Documentation", "tools", "samples", ".git", "LICENSES", "usr"]
        guard let walker = FileManager.default.enumerator(at: source, includingPropertiesForKeys: [.isDirectoryKey],
                                                          options: [.skipsHiddenFiles]) else { return found }
        for case let url as URL in walker {
            let name = url.lastPathComponent
            if skip.contains(name), url.deletingLastPathComponent().standardizedFileURL == source.standardizedFileURL {
                walker.skipDescendants()
                continue
            }
            guard name.hasPrefix("Kconfig") else { continue }
            guard let data = try? readBoundedFile(url, limit: 4 << 20, what: "Kconfig"),
                  let text = String(data: data, encoding: .utf8) else { continue }
            let rel = url.path.hasPrefix(source.path + "/") ? String(url.path.dropFirst(source.path.count + 1)) : url.path
            for info in parse(text, file: rel, wanted: symbols) {
                if var prior = found[info.symbol] {
                    prior.dependencies += info.dependencies.filter { !prior.dependencies.contains($0) }
                    prior.hasPrompt = prior.hasPrompt || info.hasPrompt
                    found[info.symbol] = prior
                } else {
                    found[info.symbol] = info
                }
            }
        }
        return found
    }

    /// Parses one Kconfig file, returning the definitions of `wanted` symbols.
    static func parse(_ text: String, file: String, wanted: Set<String>) -> [KconfigSymbolInfo] {
        var out: [KconfigSymbolInfo] = []
        var conditions: [[String]] = []   // one frame per if/menu/choice
        var frameKinds: [String] = []
        var current: KconfigSymbolInfo?
        var headerOfFrame = false          // right after `menu`/`choice`: its `depends on` applies to the frame
        var helpIndent: Int?
        var pending = ""

        func finish() {
            if let c = current { out.append(c) }
            current = nil
        }
        func indent(_ s: Substring) -> Int {
            var n = 0
            for ch in s { if ch == " " { n += 1 } else if ch == "\t" { n = (n / 8 + 1) * 8 } else { break } }
            return n
        }

        let rawLines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (i, raw) in rawLines.enumerated() {
            if let h = helpIndent {
                if raw.trimmingCharacters(in: .whitespaces).isEmpty || indent(raw) > h { continue }
                helpIndent = nil
            }
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasSuffix("\\") { pending += String(line.dropLast()) + " "; continue }
            line = pending + line
            pending = ""
            if line.isEmpty || line.hasPrefix("#") { continue }
            let words = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            let keyword = words.first.map(String.init) ?? ""
            let rest = words.count > 1 ? String(words[1]).trimmingCharacters(in: .whitespaces) : ""
            switch keyword {
            case "config", "menuconfig":
                finish()
                headerOfFrame = false
                if wanted.contains(rest) {
                    current = KconfigSymbolInfo(symbol: rest, location: "\(file):\(i + 1)",
                                                dependencies: conditions.flatMap { $0 }, hasPrompt: false)
                }
            case "depends":
                let expr = rest.hasPrefix("on ") ? String(rest.dropFirst(3)).trimmingCharacters(in: .whitespaces) : rest
                if current != nil {
                    current?.dependencies.append(expr)
                } else if headerOfFrame, !conditions.isEmpty {
                    conditions[conditions.count - 1].append(expr)
                }
            case "if":
                finish(); headerOfFrame = false
                conditions.append([rest]); frameKinds.append("if")
            case "menu", "choice":
                finish()
                conditions.append([]); frameKinds.append(keyword); headerOfFrame = true
            case "endif", "endmenu", "endchoice":
                finish(); headerOfFrame = false
                if !conditions.isEmpty { conditions.removeLast(); frameKinds.removeLast() }
            case "comment", "source", "mainmenu":
                finish(); headerOfFrame = false
            case "help", "---help---":
                helpIndent = indent(raw)
            case "prompt":
                current?.hasPrompt = true
            case "bool", "tristate", "string", "int", "hex", "def_bool", "def_tristate":
                if !rest.isEmpty, rest.hasPrefix("\""), !keyword.hasPrefix("def_") { current?.hasPrompt = true }
            default:
                break
            }
        }
        finish()
        return out
    }

    /// Symbols named in a `depends on` expression.
    static func symbols(in expression: String) -> [String] {
        var names: [String] = []
        var inQuote = false
        var token = ""
        func flush() {
            if !token.isEmpty, !["y", "m", "n"].contains(token), token.first.map({ !$0.isNumber }) ?? false, token == token.uppercased(),
               !names.contains(token) { names.append(token) }
            token = ""
        }
        for ch in expression {
            if ch == "\"" { inQuote.toggle(); token = ""; continue }
            if inQuote { continue }
            if ch.isLetter || ch.isNumber || ch == "_" { token.append(ch) } else { flush() }
        }
        flush()
        return names
    }

    /// Fills `reason` of each dropped option from the source tree's Kconfig files.
    static func explain(_ dropped: [DroppedOption], source: URL, final: [String: String]) -> [DroppedOption] {
        let infos = lookup(Set(dropped.map(\.symbol)), source: source)
        return dropped.map { option in
            var o = option
            guard let info = infos[option.symbol] else {
                o.reason = "no 'config \(option.symbol)' in this tree's Kconfig files: misspelt, renamed or removed"
                return o
            }
            var parts: [String] = []
            let deps = info.dependencies.filter { !$0.isEmpty }
            let wantsYes = option.requested == "y"
            let unmet = deps.flatMap(symbols(in:)).reduce(into: [String]()) { acc, s in
                if acc.contains(s) { return }
                let v = final[s]
                if v == nil || (wantsYes && v == "m") { acc.append(s) }
            }
            if !unmet.isEmpty {
                let shown = unmet.map { "CONFIG_\($0)" + (final[$0] == "m" ? "=m" : " is not set") }
                parts.append("unmet dependency: " + shown.joined(separator: ", "))
            }
            if !deps.isEmpty { parts.append("(\(info.location): depends on " + deps.joined(separator: " && ") + ")") }
            if !info.hasPrompt, option.requested != "is not set" {
                parts.append("it has no prompt: only a 'select' from another option can enable it (\(info.location))")
            }
            o.reason = parts.isEmpty ? "defined at \(info.location)" : parts.joined(separator: " ")
            return o
        }
    }
}
