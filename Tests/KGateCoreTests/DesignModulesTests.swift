import Foundation
import Testing
import TestSupport

/// docs/DESIGN.md's module table is the package's graph: the same targets, each
/// with the same dependencies (targets and products) as Package.swift declares.
@Suite(.tags(.unit)) struct DesignModulesTests {
    /// target → dependencies, from the "## Modules" table (a row may name several
    /// targets; parenthesised remarks in the dependency column are ignored).
    static func designGraph(_ text: String) -> [String: Set<String>] {
        guard let start = text.range(of: "\n## Modules\n") else { return [:] }
        let section = text[start.upperBound...]
        var graph: [String: Set<String>] = [:]
        for line in section.split(separator: "\n") {
            if line.hasPrefix("## ") { break }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4, cells[1].hasPrefix("`") else { continue }
            let targets = cells[1].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " `")) }
            let deps = cells[cells.count - 2].replacingOccurrences(of: #"\([^)]*\)"#, with: "", options: .regularExpression)
            let names = Set(deps.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && $0 != "—" })
            for t in targets { graph[t] = names }
        }
        return graph
    }

    /// target → dependencies, from Package.swift's non-test targets (TestSupport excluded).
    static func packageGraph(_ text: String) -> [String: Set<String>] {
        var graph: [String: Set<String>] = [:]
        let declaration = try? NSRegularExpression(pattern: #"\.(target|executableTarget|systemLibrary)\(name: "([^"]+)""#)
        let ns = text as NSString
        let matches = declaration?.matches(in: text, range: NSRange(location: 0, length: ns.length)) ?? []
        for (i, m) in matches.enumerated() {
            let name = ns.substring(with: m.range(at: 2))
            let end = i + 1 < matches.count ? matches[i + 1].range.location : ns.length
            var body = ns.substring(with: NSRange(location: m.range.location, length: end - m.range.location))
            if let stop = body.range(of: ".testTarget(") { body = String(body[..<stop.lowerBound]) }
            if body.contains("path: \"Tests/") { continue }
            var deps = Set<String>()
            if let open = body.range(of: "dependencies: [") {
                var depth = 1, close = open.upperBound
                while close < body.endIndex, depth > 0 {
                    if body[close] == "[" { depth += 1 } else if body[close] == "]" { depth -= 1 }
                    if depth > 0 { close = body.index(after: close) }
                }
                let list = String(body[open.upperBound..<close])
                    .replacingOccurrences(of: #", package: "[^"]+""#, with: "", options: .regularExpression)
                let quoted = try? NSRegularExpression(pattern: #""([^"]+)""#)
                let l = list as NSString
                for q in quoted?.matches(in: list, range: NSRange(location: 0, length: l.length)) ?? [] {
                    deps.insert(l.substring(with: q.range(at: 1)))
                }
            }
            graph[name] = deps
        }
        return graph
    }

    @Test func designsModuleTableIsPackageSwift() throws {
        let design = try String(contentsOf: TestEnv.packageRoot.appendingPathComponent("docs/DESIGN.md"), encoding: .utf8)
        let package = try String(contentsOf: TestEnv.packageRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        let d = Self.designGraph(design), p = Self.packageGraph(package)
        #expect(p.count >= 15, "parsed \(p.keys.sorted())")
        #expect(Set(d.keys) == Set(p.keys),
                "only in DESIGN: \(Set(d.keys).subtracting(p.keys).sorted()); only in Package.swift: \(Set(p.keys).subtracting(d.keys).sorted())")
        for (target, deps) in p.sorted(by: { $0.key < $1.key }) {
            guard let documented = d[target] else { continue }
            #expect(documented == deps, "\(target): DESIGN says \(documented.sorted()), Package.swift \(deps.sorted())")
        }
    }

    @Test func theParsersSeeADifference() {
        let design = "intro\n## Modules\n\n| target | owns | depends on |\n| --- | --- | --- |\n| `A` | a | B (types only), C |\n| `B`, `C` | c | — |\n\n## Next\n"
        #expect(Self.designGraph(design) == ["A": ["B", "C"], "B": [], "C": []])
        let package = #".target(name: "A", dependencies: ["B", .product(name: "C", package: "c.swift")]), .systemLibrary(name: "B", pkgConfig: "b"),"#
        #expect(Self.packageGraph(package) == ["A": ["B", "C"], "B": []])
    }

    /// Every `docs/DESIGN.md, "Section"` a source comment cites names a heading
    /// (or its start) or a bold paragraph of DESIGN.
    @Test func everyCitedSectionExists() throws {
        let design = try String(contentsOf: TestEnv.packageRoot.appendingPathComponent("docs/DESIGN.md"), encoding: .utf8)
        let headings = design.split(separator: "\n").filter { $0.hasPrefix("## ") }.map { String($0.dropFirst(3)) }
        let sources = TestEnv.packageRoot.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
        let citation = try NSRegularExpression(pattern: #"DESIGN\.md, "([^"]+)""#)
        var cited = 0
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            let ns = text as NSString
            for m in citation.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
                let name = ns.substring(with: m.range(at: 1))
                cited += 1
                #expect(headings.contains { $0.hasPrefix(name) } || design.contains("**\(name)**"),
                        "\(file.lastPathComponent) cites DESIGN section \"\(name)\", which does not exist")
            }
        }
        #expect(cited >= 5)
    }
}
