import Foundation
import Testing
import TestSupport

/// Every test in Tests/ is tagged, so `scripts/test.sh --unit` (KGATE_TESTS=unit)
/// selects exactly the `.unit` ones: a test tagged with a real part carries
/// `.needs(...)`, which is what skips it in a unit run, and a `.unit` test does not.
@Suite(.tags(.unit)) struct TestTagsTests {
    static let realPartTags = [".kernelBuild", ".vm", ".network", ".endToEnd", ".database"]

    /// One declaration's attribute text (`@Suite(...)` or `@Test(...)`, possibly over several lines).
    struct Declaration {
        var file: String
        var line: Int
        var attribute: String
        var hasTag: Bool { attribute.contains(".tags(") }
        var isUnit: Bool { attribute.contains(".unit") }
        var realPart: Bool { TestTagsTests.realPartTags.contains { attribute.contains($0) } }
        var needs: Bool { attribute.contains(".needs(") }
    }

    /// A top-level type (column 0) and the `@Test` functions inside it.
    struct TopLevel {
        var suite: Declaration
        var tests: [Declaration] = []
    }

    /// Reads a test file by layout: members are indented, top-level types start in column 0.
    static func scan(_ text: String, file: String) -> [TopLevel] {
        let lines = text.components(separatedBy: "\n")
        var result = [TopLevel]()
        var index = 0
        func attribute(from start: Int, until keyword: String) -> String {
            var end = start
            while end < lines.count - 1 && !lines[end].contains(keyword) { end += 1 }
            index = end
            return lines[start...end].joined(separator: "\n")
        }
        while index < lines.count {
            let line = lines[index]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("@Suite") || line.hasPrefix("struct ") || line.hasPrefix("final class ") || line.hasPrefix("enum ") {
                let start = index
                let text = line.hasPrefix("@Suite") ? attribute(from: start, until: "struct ") : ""
                result.append(TopLevel(suite: Declaration(file: file, line: start + 1, attribute: text)))
            } else if line.hasPrefix(" "), trimmed.hasPrefix("@Test"), !result.isEmpty {
                let start = index
                let text = attribute(from: start, until: "func ")
                result[result.count - 1].tests.append(Declaration(file: file, line: start + 1, attribute: text))
            }
            index += 1
        }
        return result.filter { !$0.tests.isEmpty }
    }

    static func problems(_ tops: [TopLevel]) -> [String] {
        var problems = [String]()
        for top in tops {
            let location = "\(top.suite.file):\(top.suite.line)"
            if !top.suite.hasTag, let untagged = top.tests.first(where: { !$0.hasTag }) {
                problems.append("\(untagged.file):\(untagged.line): test without a tag (tag it or its suite)")
            }
            for d in [top.suite] + top.tests where d.hasTag || d.needs {
                if d.realPart != d.needs {
                    problems.append("\(d.file):\(d.line): a real-part tag goes with .needs(...) and only with it")
                }
            }
            if top.suite.isUnit, top.tests.contains(where: \.realPart) {
                problems.append("\(location): a .unit suite holds a test tagged with a real part")
            }
        }
        return problems
    }

    @Test func everyTestInTheRepositoryIsTaggedConsistently() throws {
        let tests = TestEnv.packageRoot.appendingPathComponent("Tests")
        let files = try #require(FileManager.default.enumerator(atPath: tests.path))
            .compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") && !$0.hasPrefix("TestSupport/") }
        var tops = [TopLevel]()
        for file in files {
            let text = try String(contentsOf: tests.appendingPathComponent(file), encoding: .utf8)
            tops += Self.scan(text, file: file)
        }
        #expect(tops.reduce(0) { $0 + $1.tests.count } > 150, "the scan finds the test functions")
        #expect(Self.problems(tops) == [])
    }

    @Test func theCheckCatchesAnUntaggedTestAndAVMTestWithoutNeeds() {
        let untagged = "@Suite struct A {\n    @Test func a() {}\n}\n"
        #expect(Self.problems(Self.scan(untagged, file: "a.swift")) == ["a.swift:2: test without a tag (tag it or its suite)"])
        let vm = "@Suite(.serialized,\n        .tags(.vm)) struct B {\n    @Test func b() {}\n}\n"
        #expect(Self.problems(Self.scan(vm, file: "b.swift")).count == 1)
        let mixed = "@Suite(.tags(.unit)) struct C {\n    @Test(.tags(.network), .needs(.localServer))\n    func c() {}\n}\n"
        #expect(Self.problems(Self.scan(mixed, file: "c.swift")) == ["c.swift:1: a .unit suite holds a test tagged with a real part"])
        let good = "struct D {\n    @Test(.tags(.unit)) func d() {}\n    @Test(.tags(.vm), .needs(.qemu)) func e() {}\n}\n"
        #expect(Self.problems(Self.scan(good, file: "d.swift")) == [])
    }
}
