import Foundation
import KGateCore
import Testing
import TestSupport
@testable import KernelBuild

/// The stamp that lets a rebuild skip configuration: parsing kbuild's
/// dependency list and detecting every kind of change, on a synthetic tree.
@Suite(.tags(.unit)) struct ConfigureStampTests {
    /// A miniature source tree and object directory with kbuild's auto.conf.cmd.
    func fixture() throws -> (source: URL, objects: URL) {
        let root = try TestEnv.temporaryDirectory("stamp")
        let source = root.appendingPathComponent("src"), objects = root.appendingPathComponent("obj")
        for (path, text) in [("Kconfig", "source \"net/Kconfig\"\n"), ("net/Kconfig", "config NET\n\tbool \"net\"\n"),
                             ("scripts/Kconfig.include", "cc-option := x\n"), ("Makefile", "VERSION = 6\n"),
                             ("scripts/kconfig/conf.c", "int main(void) { return 0; }\n"),
                             ("kernel/configs/tiny.config", "# CONFIG_NET is not set\n")] {
            let url = source.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        let cmd = objects.appendingPathComponent("include/config/auto.conf.cmd")
        try FileManager.default.createDirectory(at: cmd.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("""
            autoconfig := include/config/auto.conf

            deps_config := \\
            \tKconfig \\
            \tnet/Kconfig \\
            \tscripts/Kconfig.include

            $(autoconfig): $(deps_config)
            $(deps_config): ;

            ifneq "$(ARCH)" "x86_64"
            $(autoconfig): FORCE
            endif

            """.utf8).write(to: cmd)
        try Data("CONFIG_NET=y\n".utf8).write(to: objects.appendingPathComponent(".config"))
        return (source, objects)
    }

    @Test func readsKbuildsKconfigListAndRejectsPathsOutsideTheTree() throws {
        let (_, objects) = try fixture()
        #expect(ConfigureStamp.kconfigFiles(objects: objects) == ["Kconfig", "net/Kconfig", "scripts/Kconfig.include"])
        let cmd = objects.appendingPathComponent("include/config/auto.conf.cmd")
        for bad in ["\t../outside/Kconfig", "\t/etc/Kconfig"] {
            try Data("deps_config := \\\n\tKconfig \\\n\(bad)\n".utf8).write(to: cmd)
            #expect(ConfigureStamp.kconfigFiles(objects: objects) == nil, "\(bad) accepted")
        }
        try FileManager.default.removeItem(at: cmd)
        #expect(ConfigureStamp.kconfigFiles(objects: objects) == nil)
    }

    @Test func validUntilAnInputOrTheConfigChanges() throws {
        let (source, objects) = try fixture()
        let stamp = try #require(ConfigureStamp.make(source: source, objects: objects, srcarch: "x86"))
        #expect(stamp.files.contains("net/Kconfig") && stamp.files.contains("scripts/kconfig/conf.c")
                && stamp.files.contains("kernel/configs/tiny.config") && stamp.files.contains("Makefile"))
        stamp.write(objects: objects)
        #expect(ConfigureStamp.load(objects: objects) == stamp)
        #expect(stamp.stillValid(source: source, objects: objects))

        // A Kconfig edit, a kconfig tool edit, a base config edit, a removed file, an edited .config: each invalidates.
        let edits: [(String, (URL) throws -> Void)] = [
            ("net/Kconfig", { try Data("config NET\n\tbool \"network\"\n".utf8).write(to: $0) }),
            ("scripts/kconfig/conf.c", { try Data("int main(void) { return 1; }\n".utf8).write(to: $0) }),
            ("kernel/configs/tiny.config", { try Data("CONFIG_NET=y\n".utf8).write(to: $0) }),
            ("scripts/Kconfig.include", { try FileManager.default.removeItem(at: $0) }),
        ]
        for (path, edit) in edits {
            let url = source.appendingPathComponent(path)
            let saved = try Data(contentsOf: url)
            try edit(url)
            #expect(!stamp.stillValid(source: source, objects: objects), "\(path) changed but the stamp is still valid")
            try saved.write(to: url)
            #expect(stamp.stillValid(source: source, objects: objects))
        }
        try Data("CONFIG_NET=y\nCONFIG_INET=y\n".utf8).write(to: objects.appendingPathComponent(".config"))
        #expect(!stamp.stillValid(source: source, objects: objects), "an edited .config was trusted")

        // A file that does not take part (a C source outside scripts/kconfig) does not matter.
        let other = source.appendingPathComponent("net/core.c")
        try Data("int x;\n".utf8).write(to: other)
        let fresh = try #require(ConfigureStamp.make(source: source, objects: objects, srcarch: "x86"))
        try Data("int y;\n".utf8).write(to: other)
        #expect(fresh.stillValid(source: source, objects: objects))
    }
}
