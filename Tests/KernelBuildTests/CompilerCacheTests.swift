import Foundation
import KGateCore
import Testing
import TestSupport
@testable import KernelBuild

/// kgate's compiler cache against the hole class of issue 12: an object that
/// embeds or includes another file at assembly time must never come from the
/// cache when that file changed. Each case compiles with the exact environment
/// and wrapper kgate's make uses (real gcc, real ccache), changes only the
/// embedded file, compiles again and reads the object's data back.
///
/// With kgate's previous setting (`CCACHE_DEPEND`, `CC=ccache gcc`) every
/// embedding case below returns the first object: measured, see the closing note.
@Suite(.tags(.unit), .serialized)
struct CompilerCacheTests {
    struct Sandbox {
        let dir: URL
        let builder: KernelBuilder

        init() throws {
            dir = try TestEnv.temporaryDirectory("ccache")
            builder = KernelBuilder(paths: CachePaths(root: dir.appendingPathComponent("cache")), console: Console(interactive: false))
        }

        func write(_ name: String, _ text: String) throws {
            try Data(text.utf8).write(to: dir.appendingPathComponent(name))
        }

        /// `kgate-cc gcc -c <source>` in `dir`, as kbuild calls the compiler; returns the object's .rodata.
        /// `extra`: environment of the build (`CompilerCache.firstBuildEnvironment` for an object directory's first).
        func compile(_ source: String, extra: [String: String] = [:]) throws -> String {
            let env = try builder.makeEnvironment(source: dir, objects: dir).merging(extra) { _, new in new }
            let r = try ProcessRunner.run("sh", ["-c", "cd \"$0\" && \(CompilerCache.wrapperName) gcc -Wp,-MMD,.out.o.d -c \"$1\" -o out.o "
                                                 + "&& objcopy -O binary -j .rodata out.o rodata.bin", dir.path, source],
                                          environment: env)
            #expect(r.exitCode == 0, "compile of \(source) failed: \(r.stderr)")
            return try String(contentsOf: dir.appendingPathComponent("rodata.bin"), encoding: .utf8)
        }

        /// ccache's hit count (any mode) in this sandbox's cache.
        func hits() throws -> Int {
            let env = try builder.makeEnvironment(source: dir, objects: dir)
            let r = try ProcessRunner.run("ccache", ["--print-stats"], environment: env)
            return r.stdout.split(separator: "\n").filter { $0.contains("_cache_hit\t") }
                .compactMap { Int($0.split(separator: "\t").last ?? "") }.reduce(0, +)
        }
    }

    @Test func assemblerIncbinIsNeverStale() throws {
        let s = try Sandbox()
        try s.write("piggy.S", ".section \".rodata\",\"a\"\n.incbin \"blob.bin\"\n")
        try s.write("blob.bin", "AAAA")
        #expect(try s.compile("piggy.S") == "AAAA")
        try s.write("blob.bin", "BBBB")
        #expect(try s.compile("piggy.S") == "BBBB")
    }

    @Test func incbinInCAsmIsNeverStale() throws {
        let s = try Sandbox()
        try s.write("configs.c", "asm(\".section .rodata\\n.incbin \\\"blob.bin\\\"\\n.previous\");\nint f(void) { return 1; }\n")
        try s.write("blob.bin", "AAAA")
        #expect(try s.compile("configs.c") == "AAAA")
        try s.write("blob.bin", "BBBB")
        #expect(try s.compile("configs.c") == "BBBB")
    }

    /// ccache detects `.incbin` by itself but not `.include`: kgate's scanner does.
    @Test func assemblerIncludeInCAsmIsNeverStale() throws {
        let s = try Sandbox()
        try s.write("inc.c", "asm(\".section .rodata\\n.include \\\"m.s\\\"\\nM\\n.previous\");\nint g(void) { return 2; }\n")
        try s.write("m.s", ".macro M\n.ascii \"AAAA\"\n.endm\n")
        #expect(try s.compile("inc.c") == "AAAA")
        try s.write("m.s", ".macro M\n.ascii \"BBBB\"\n.endm\n")
        #expect(try s.compile("inc.c") == "BBBB")
    }

    /// A header that appears earlier in the include path changes the object
    /// (ccache's direct mode would not see it; the preprocessed text does).
    @Test func headerShadowingIsSeen() throws {
        let s = try Sandbox()
        try FileManager.default.createDirectory(at: s.dir.appendingPathComponent("a"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: s.dir.appendingPathComponent("b"), withIntermediateDirectories: true)
        try s.write("b/v.h", "#define V \"AAAA\"\n")
        try s.write("h.c", "#include \"v.h\"\n__attribute__((section(\".rodata\"))) const char v[4] = V;\n")
        let env = try s.builder.makeEnvironment(source: s.dir, objects: s.dir)
        func build() throws -> String {
            let r = try ProcessRunner.run("sh", ["-c", "cd \"$0\" && \(CompilerCache.wrapperName) gcc -Wp,-MMD,.out.o.d -Ia -Ib -c h.c -o out.o "
                                                 + "&& objcopy -O binary -j .rodata out.o rodata.bin", s.dir.path],
                                          environment: env)
            #expect(r.exitCode == 0, "\(r.stderr)")
            return try String(contentsOf: s.dir.appendingPathComponent("rodata.bin"), encoding: .utf8)
        }
        #expect(try build() == "AAAA")
        try s.write("a/v.h", "#define V \"BBBB\"\n")
        #expect(try build() == "BBBB")
    }

    /// kbuild strips the source tree from `__FILE__` with an absolute
    /// `-fmacro-prefix-map`; an object from the cache must carry the same
    /// strings as one from gcc alone (ccache's base dir broke this).
    @Test func fileNamesMatchAPlainCompile() throws {
        let s = try Sandbox()
        let src = s.dir.appendingPathComponent("src/net")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        try Data("__attribute__((section(\".rodata\"))) const char f[] = __FILE__;\n".utf8)
            .write(to: src.appendingPathComponent("f.c"))
        let args = "-fmacro-prefix-map=\(s.dir.path)/src/= -c \(src.path)/f.c -o out.o && objcopy -O binary -j .rodata out.o rodata.bin"
        let env = try s.builder.makeEnvironment(source: s.dir, objects: s.dir)
        var names: [String] = []
        for cc in ["gcc", "\(CompilerCache.wrapperName) gcc", "\(CompilerCache.wrapperName) gcc"] {
            let r = try ProcessRunner.run("sh", ["-c", "cd \"$0\" && \(cc) \(args)", s.dir.path], environment: env)
            #expect(r.exitCode == 0, "\(r.stderr)")
            names.append(try String(contentsOf: s.dir.appendingPathComponent("rodata.bin"), encoding: .utf8))
        }
        #expect(names == Array(repeating: "net/f.c\0", count: 3), "\(names)")
    }

    /// The cache still works for an ordinary C unit (the second compile is a hit).
    @Test func ordinaryCUnitIsCached() throws {
        let s = try Sandbox()
        try s.write("plain.c", "__attribute__((section(\".rodata\"))) const char v[4] = \"CCCC\";\n")
        #expect(try s.compile("plain.c") == "CCCC")
        let before = try s.hits()
        #expect(try s.compile("plain.c") == "CCCC")
        #expect(try s.hits() == before + 1)
    }

    /// The first build of an object directory compiles through the same wrapper with
    /// the cache off (nothing looked up, nothing stored); the next build stores, and a
    /// compile after that hits. An object directory without a linked vmlinux is a first build.
    @Test func firstBuildOfAnObjectDirectoryBypassesTheCache() throws {
        let s = try Sandbox()
        try s.write("first.c", "__attribute__((section(\".rodata\"))) const char v[4] = \"DDDD\";\n")
        #expect(try s.compile("first.c", extra: CompilerCache.firstBuildEnvironment) == "DDDD")
        #expect(try s.compile("first.c", extra: CompilerCache.firstBuildEnvironment) == "DDDD")
        let before = try s.hits()
        #expect(before == 0, "a first build looked the cache up")
        #expect(try s.compile("first.c") == "DDDD")  // a miss, stored
        #expect(try s.hits() == 0)
        #expect(try s.compile("first.c") == "DDDD")
        #expect(try s.hits() == 1)
        #expect(BuildRun.isFirstBuild(objects: s.dir))
        try s.write("vmlinux", "")
        #expect(!BuildRun.isFirstBuild(objects: s.dir))
    }

    /// Results of an older builder are never reused: the builder's identity is in every config hash.
    @Test func builderIdentityIsInTheConfigHash() throws {
        let resolved = try BuildConfig(base: .tinyconfig, fragments: [], items: ["CONFIG_NET=y"]).resolve()
        #expect(resolved.normalized(compiler: "gcc 12").contains("builder=\(CompilerCache.builderVersion) "))
        #expect(CompilerCache.builderVersion >= 3)
    }
}
