import Foundation
@testable import GuestImage
import KGateCore
import Testing
import TestSupport

/// The recipe's `compile` directive: a C helper built with the host's cc at image-build time.
@Suite(.serialized, .tags(.unit)) struct HelperCompileTests {
    func recipeDir(_ source: String) throws -> URL {
        let dir = try TestEnv.temporaryDirectory("compile-recipe")
        let shipped = try GuestImages.defaultRecipe().deletingLastPathComponent()
        try FileManager.default.copyItem(at: shipped.appendingPathComponent("init"), to: dir.appendingPathComponent("init"))
        try source.write(to: dir.appendingPathComponent("hello.c"), atomically: true, encoding: .utf8)
        try "compile hello.c /usr/bin/hello\ninit init\n".write(to: dir.appendingPathComponent("r.recipe"),
                                                               atomically: true, encoding: .utf8)
        return dir
    }

    @Test func helperIsCompiledStaticAndInstalled() throws {
        let dir = try recipeDir("#include <stdio.h>\nint main(void) { puts(\"kgate\"); return 0; }\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let recipe = try Recipe.load(dir.appendingPathComponent("r.recipe"))
        #expect(recipe.items.first == .compile(source: "hello.c", destination: "usr/bin/hello"))
        let entries = try ImageAssembler.entries(for: recipe)
        let helper = try #require(entries.first { $0.path == "usr/bin/hello" })
        #expect(helper.permissions == 0o755)
        guard case .file(let data) = helper.kind else { Issue.record("not a file"); return }
        #expect(data.prefix(4) == Data([0x7f, 0x45, 0x4c, 0x46]))
        // Static: nothing else came with it (no loader, no libc closure).
        #expect(!entries.contains { $0.path.contains("ld-linux") || $0.path.hasPrefix("lib") })
        // It runs on the host, as it will in the guest.
        let out = dir.appendingPathComponent("hello")
        try data.write(to: out)
        chmod(out.path, 0o755)
        #expect(try ProcessRunner.run(out.path, []).stdout == "kgate\n")
        // The same source gives the same bytes (the image hash stays stable).
        let again = try ImageAssembler.entries(for: recipe).first { $0.path == "usr/bin/hello" }
        #expect(again == helper)
    }

    /// The image hash covers the helper's source: once written, the image is found
    /// again without a C compiler on PATH (a boot, a shard, `kgate run` need none).
    @Test func cachedImageNeedsNoCompiler() throws {
        let dir = try recipeDir("int main(void) { return 0; }\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cache = dir.appendingPathComponent("cache")
        let recipe = dir.appendingPathComponent("r.recipe").path
        let first = try TestEnv.kgate(["image", "build", "--recipe", recipe, "--cache", cache.path])
        #expect(first.exitCode == 0, "\(first.stderr)")
        // A PATH with the shipped tools but no cc.
        let noCC = dir.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: noCC, withIntermediateDirectories: true)
        let again = try TestEnv.kgate(["image", "build", "--recipe", recipe, "--cache", cache.path],
                                      environment: ["PATH": noCC.path])
        #expect(again.exitCode == 0, "\(again.stderr)")
        #expect(TestEnv.lastLine(again.stdout) == TestEnv.lastLine(first.stdout))
        // Another source is another image (and needs the compiler again).
        try "int main(void) { return 1; }\n".write(to: dir.appendingPathComponent("hello.c"), atomically: true, encoding: .utf8)
        let changed = try TestEnv.kgate(["image", "build", "--recipe", recipe, "--cache", cache.path],
                                        environment: ["PATH": noCC.path])
        #expect(changed.exitCode != 0 && changed.stderr.contains("'cc'"), "\(changed.stderr)")
    }

    @Test func brokenHelperFailsQuotingTheCompiler() throws {
        let dir = try recipeDir("int main(void) { return undeclared_thing; }\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let recipe = try Recipe.load(dir.appendingPathComponent("r.recipe"))
        #expect { try ImageAssembler.entries(for: recipe) } throws: { e in
            guard let e = e as? KGateError else { return false }
            return e.what.contains("hello.c") && (e.excerpt ?? "").contains("undeclared_thing")
        }
    }

    @Test func compileTakesACSourceAndAGuestPath() {
        let url = URL(fileURLWithPath: "/tmp/x.recipe")
        #expect(throws: KGateError.self) { try Recipe.parse("compile tool.sh /usr/bin/t\ninit init\n", url: url) }
        #expect(throws: KGateError.self) { try Recipe.parse("compile a.c ../../etc/x\ninit init\n", url: url) }
        #expect(throws: KGateError.self) { try Recipe.parse("compile a.c\ninit init\n", url: url) }
    }
}
