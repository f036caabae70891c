import Foundation
import KGateCore
import Testing
import TestSupport
@testable import KernelBuild

/// Fragment parsing and merging: pure inputs, no kernel needed.
@Suite(.tags(.unit)) struct ConfigTests {
    func fragment(_ text: String) throws -> URL {
        let url = try TestEnv.temporaryDirectory("frag").appendingPathComponent("test.config")
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func malformedFragmentLineNamesFileAndLine() throws {
        let url = try fragment("# a comment\nCONFIG_NET=y\nCONFIG_VETH=yes please\n")
        let config = BuildConfig(fragments: [url])
        do {
            _ = try config.resolve()
            Issue.record("a malformed line was accepted")
        } catch let e as KGateError {
            #expect(e.blame == .input)
            #expect(e.location == "\(url.path):3")
            #expect(e.what.contains("CONFIG_VETH=yes please"))
            #expect(e.fix?.contains("is not set") == true)
        }
    }

    @Test func missingFragmentFileIsAUsageError() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/kgate/nope.config")
        do {
            _ = try BuildConfig(fragments: [missing]).resolve()
            Issue.record("a missing fragment was accepted")
        } catch let e as KGateError {
            #expect(e.blame == .input)
            #expect(e.location == missing.path)
            #expect(e.what.contains("not found"))
        }
    }

    @Test func laterItemsWinAndInlineItemsComeLast() throws {
        let a = try fragment("CONFIG_NET=y\nCONFIG_VETH=m\n# CONFIG_IPV6 is not set\nCONFIG_CMDLINE=\"console=ttyS0\"\n")
        let b = try fragment("CONFIG_VETH=y\nCONFIG_NR_CPUS=4\n")
        let r = try BuildConfig(fragments: [a, b], items: ["CONFIG_IPV6=y", "# CONFIG_NET is not set"]).resolve()
        let bySymbol = Dictionary(uniqueKeysWithValues: r.items.map { ($0.symbol, $0.value) })
        #expect(bySymbol["VETH"] == .yes)
        #expect(bySymbol["IPV6"] == .yes)
        #expect(bySymbol["NET"] == .notSet)
        #expect(bySymbol["CMDLINE"] == .string("\"console=ttyS0\""))
        #expect(bySymbol["NR_CPUS"] == .number("4"))
        #expect(r.items.first { $0.symbol == "VETH" }?.origin == "\(b.path):1")
        #expect(r.items.first { $0.symbol == "NET" }?.origin == "--set #2")
    }

    @Test func hashCoversValuesAndCompilerButNotOriginOrOrder() throws {
        let a = try fragment("CONFIG_NET=y\nCONFIG_VETH=y\n")
        let b = try fragment("CONFIG_VETH=y\n\n# comment\nCONFIG_NET=y\n")
        let ra = try BuildConfig(fragments: [a]).resolve(), rb = try BuildConfig(fragments: [b]).resolve()
        #expect(ra.hash(compiler: "gcc 12") == rb.hash(compiler: "gcc 12"))
        #expect(ra.hash(compiler: "gcc 12") != ra.hash(compiler: "gcc 13"))
        let rc = try BuildConfig(fragments: [a], items: ["CONFIG_VETH=m"]).resolve()
        #expect(rc.hash(compiler: "gcc 12") != ra.hash(compiler: "gcc 12"))
        let rd = try BuildConfig(base: .defconfig, fragments: [a]).resolve()
        #expect(rd.hash(compiler: "gcc 12") != ra.hash(compiler: "gcc 12"))
    }

    @Test func mergeReplacesExistingLines() {
        var c = DotConfig(text: "CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=m\n")
        c.merge([ConfigItem(symbol: "B", value: .yes, origin: "x", userProvided: true),
                 ConfigItem(symbol: "A", value: .notSet, origin: "x", userProvided: true)])
        #expect(c.lines == ["CONFIG_C=m", "CONFIG_B=y", "# CONFIG_A is not set"])
        #expect(c.values == ["C": "m", "B": "y"])
    }

    @Test func shippedFragmentsAreFoundFromThePackage() throws {
        let dir = try #require(KernelBuild.defaultFragmentsDirectory(currentDirectory: TestEnv.packageRoot))
        let items = try BuildConfig.standard().resolve().items
        #expect(dir.path.hasSuffix("vm-images/kconfig"))
        for symbol in ["VETH", "NET_SCH_NETEM", "NET_SCH_FQ", "TCP_CONG_BBR", "MEMCG", "SERIAL_8250_CONSOLE", "VIRTIO_NET"] {
            #expect(items.contains { $0.symbol == symbol && $0.value == .yes }, "\(symbol) missing from the shipped fragment")
        }
    }

    @Test func kconfigParserFollowsIfAndMenuConditions() {
        let text = """
        menu "Outer"
        \tdepends on NET

        if INET
        config FOO
        \ttristate "foo"
        \tdepends on BAR && !BAZ
        \thelp
        \t  depends on NOT_A_DEPENDENCY (help text)

        config HIDDEN
        \tbool
        endif
        endmenu
        """
        let infos = KconfigDependencies.parse(text, file: "x/Kconfig", wanted: ["FOO", "HIDDEN"])
        let foo = infos.first { $0.symbol == "FOO" }
        #expect(foo?.dependencies == ["NET", "INET", "BAR && !BAZ"])
        #expect(foo?.hasPrompt == true)
        #expect(foo?.location == "x/Kconfig:5")
        #expect(infos.first { $0.symbol == "HIDDEN" }?.hasPrompt == false)
        #expect(KconfigDependencies.symbols(in: "BAR && !BAZ || (X86_64 && $(cc-option,-m64)) || \"y\"") == ["BAR", "BAZ", "X86_64"])
    }
}
