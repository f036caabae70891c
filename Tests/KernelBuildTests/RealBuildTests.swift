import Foundation
import KGateCore
import KernelTree
import Testing
import TestSupport
@testable import KernelBuild

/// Real 6.12 builds on the shared test cache: the first test builds the kernel
/// once per cache; the others reuse its object directory or only configure.
@Suite(.serialized, .tags(.kernelBuild), .needs(.kernelSource))
struct RealBuildTests {
    let builder = KernelBuilder(paths: TestEnv.cache)

    @Test(.timeLimit(.minutes(60)))
    func shippedFragmentBuildsVerifiesAndIsCached() throws {
        let tree = try TestTree.checkout()
        defer { tree.release() }
        let config = try BuildConfig.standard()
        let result = try builder.build(source: tree.url, treeOID: tree.treeOID, revision: tree.revision, config: config)
        #expect(result.status == .success)
        #expect(result.kernelRelease.hasPrefix("6.12"))
        #expect(result.configHash == (try builder.configHash(config)))
        let image = try Data(contentsOf: result.imageURL)
        #expect(image.count > 500_000)
        #expect(image.count > 0x206 && image[0x202..<0x206] == Data("HdrS".utf8), "not an x86 boot image")
        let final = try String(contentsOf: result.configURL, encoding: .utf8)
        for line in ["CONFIG_VETH=y", "CONFIG_NET_SCH_NETEM=y", "CONFIG_NET_SCH_FQ_CODEL=y", "CONFIG_TCP_CONG_BBR=y",
                     "CONFIG_SERIAL_8250_CONSOLE=y", "CONFIG_MEMCG=y", "CONFIG_BLK_DEV_INITRD=y", "CONFIG_VIRTIO_NET=y"] {
            #expect(final.split(separator: "\n").contains(Substring(line)), "\(line) missing from the final .config")
        }
        let meta = try BuildResult.load(result.metadataURL)
        #expect(meta.treeOID == tree.treeOID && meta.compiler == result.compiler && meta.status == .success)

        // A second request is a hit: same image, make does not run (the log and image are untouched).
        let logDate = try FileManager.default.attributesOfItem(atPath: result.log)[.modificationDate] as? Date
        let objImage = TestEnv.cache.buildObjects(configHash: result.configHash, source: tree.url).appendingPathComponent("arch/x86/boot/bzImage")
        let objDate = try FileManager.default.attributesOfItem(atPath: objImage.path)[.modificationDate] as? Date
        let hit = try #require(builder.cachedResult(treeOID: tree.treeOID, config: config))
        #expect(hit.cached && hit.image == result.image)
        let again = try builder.build(source: tree.url, treeOID: tree.treeOID, revision: tree.revision, config: config)
        #expect(again.cached && again.image == result.image)
        #expect(try FileManager.default.attributesOfItem(atPath: result.log)[.modificationDate] as? Date == logDate)
        #expect(try FileManager.default.attributesOfItem(atPath: objImage.path)[.modificationDate] as? Date == objDate)
    }

    @Test(.timeLimit(.minutes(10)))
    func optionWithUnmetDependencyIsReportedAsDropped() throws {
        let tree = try TestTree.checkout()
        defer { tree.release() }
        let config = try BuildConfig.standard(items: ["CONFIG_BRIDGE_NETFILTER=y"])
        do {
            try builder.configure(source: tree.url, config: config)
            Issue.record("a dropped option passed verification")
        } catch let e as KGateError {
            Console.shared.line(e.description)
            #expect(e.blame == .input)
            #expect(e.what.contains("CONFIG_BRIDGE_NETFILTER"))
            let excerpt = e.excerpt ?? ""
            #expect(excerpt.contains("requested y, final is not set"))
            #expect(excerpt.contains("unmet dependency"))
            #expect(excerpt.contains("CONFIG_NETFILTER is not set"))
            #expect(excerpt.contains("CONFIG_BRIDGE is not set"))
            #expect(excerpt.contains("net/Kconfig"))
        }
    }

    @Test(.timeLimit(.minutes(10)))
    func unknownSymbolIsNamedAsSuch() throws {
        let tree = try TestTree.checkout()
        defer { tree.release() }
        let config = try BuildConfig.standard(items: ["CONFIG_KGATE_NO_SUCH_OPTION=y"])
        do {
            try builder.configure(source: tree.url, config: config)
            Issue.record("an unknown option passed verification")
        } catch let e as KGateError {
            #expect(e.excerpt?.contains("no 'config KGATE_NO_SUCH_OPTION'") == true)
        }
    }

    /// A revision that changes only C code reuses the verified configuration
    /// (no Kconfig run); one that changes a Kconfig file configures again.
    @Test(.timeLimit(.minutes(60)))
    func rebuildSkipsConfigurationUntilAKconfigFileChanges() throws {
        let config = try BuildConfig.standard()
        defer { if let restored = try? TestTree.checkout() { restored.release() } }
        func build(appending line: String, to path: String) throws -> BuildResult {
            let base = try TestTree.checkout()
            let patch = try AppendPatch.make(source: base.url, path: path, line: line)
            base.release()
            let tree = try TestTree.checkoutPatched(patch)
            defer { tree.release() }
            return try builder.build(source: tree.url, treeOID: tree.treeOID, revision: tree.revision, config: config)
        }
        let stamp = "\(UInt64(Date().timeIntervalSince1970 * 1000))"  // a fresh tree id: no result-cache hit
        // The first build leaves a stamp whatever the state of the object directory.
        _ = try build(appending: "/* kgate stamp test \(stamp) a */", to: "net/ipv4/tcp_input.c")
        let code = try build(appending: "/* kgate stamp test \(stamp) b */", to: "net/ipv4/tcp_input.c")
        #expect(!code.cached && code.status == .success)
        #expect(code.configurationReused == true, "a C-only change ran the configuration again")
        #expect(try String(contentsOf: code.logURL, encoding: .utf8).contains("configuration inputs unchanged"))
        #expect(code.objectsCompiled >= 1 && code.objectsCompiled < 50, "\(code.objectsCompiled) objects for one changed file")

        let kconfig = try build(appending: "# kgate stamp test \(stamp)", to: "net/ipv4/Kconfig")
        #expect(kconfig.status == .success)
        #expect(kconfig.configurationReused == false, "a Kconfig change reused the old configuration")
        #expect(!(try String(contentsOf: kconfig.logURL, encoding: .utf8).contains("configuration inputs unchanged")))
        let final = try String(contentsOf: kconfig.configURL, encoding: .utf8)
        #expect(final.split(separator: "\n").contains("CONFIG_TCP_CONG_BBR=y"))
    }

    @Test(.timeLimit(.minutes(60)))
    func syntaxErrorQuotesTheCompilerMessage() throws {
        let base = try TestTree.checkout()
        let file = base.url.appendingPathComponent("net/ipv4/tcp_input.c")
        let patch = try SyntaxErrorPatch.make(file: file)
        base.release()
        let tree = try TestTree.checkoutPatched(patch.patch)
        defer {
            tree.release()
            // Leave the shared worktree on the base revision for other tests.
            if let restored = try? TestTree.checkout() { restored.release() }
        }
        let config = try BuildConfig.standard()
        do {
            _ = try builder.build(source: tree.url, treeOID: tree.treeOID, revision: tree.revision, config: config)
            Issue.record("a syntax error built")
        } catch let e as KGateError {
            Console.shared.line(e.description)
            #expect(e.blame == .kernelUnderTest)
            #expect(e.location == "net/ipv4/tcp_input.c:\(patch.line)")
            let excerpt = e.excerpt ?? ""
            #expect(excerpt.contains("net/ipv4/tcp_input.c:\(patch.line):"))
            #expect(excerpt.contains("error:"))
            #expect(excerpt.contains("kgate_syntax_error"))
        }
        #expect(builder.cachedResult(treeOID: tree.treeOID, config: config) == nil, "a failed build must not be cached")
    }
}

/// A one-line syntax error inserted at the top of tcp_rcv_established's body.
enum SyntaxErrorPatch {
    static func make(file: URL) throws -> (patch: PatchToApply, line: Int) {
        let text = try String(contentsOf: file, encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        let fn = try #require(lines.firstIndex { $0.hasPrefix("void tcp_rcv_established(struct sock *sk") })
        let brace = try #require(lines[fn...].firstIndex { $0 == "{" })
        let at = brace + 1  // 0-based index of the inserted line
        let ctx = 3
        let before = Array(lines[(at - ctx)..<at]), after = Array(lines[at..<(at + ctx)])
        var diff = "diff --git a/net/ipv4/tcp_input.c b/net/ipv4/tcp_input.c\n"
        diff += "--- a/net/ipv4/tcp_input.c\n+++ b/net/ipv4/tcp_input.c\n"
        diff += "@@ -\(at - ctx + 1),\(2 * ctx) +\(at - ctx + 1),\(2 * ctx + 1) @@\n"
        diff += before.map { " " + $0 + "\n" }.joined()
        diff += "+\tint kgate_syntax_error = ;\n"
        diff += after.map { " " + $0 + "\n" }.joined()
        let patch = PatchToApply(label: "1/1 'tcp: syntax error (kgate test)'", authorName: "kgate test",
                                 authorEmail: "test@kgate.invalid", date: Date(timeIntervalSince1970: 1_700_000_000),
                                 timezoneOffsetMinutes: 0, message: "tcp: syntax error (kgate test)\n", diff: diff)
        return (patch, at + 1)
    }
}

/// A patch appending one line at the end of a file of the checked-out tree.
enum AppendPatch {
    static func make(source: URL, path: String, line: String) throws -> PatchToApply {
        let text = try String(contentsOf: source.appendingPathComponent(path), encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        let ctx = min(3, lines.count)
        let start = lines.count - ctx + 1
        var diff = "diff --git a/\(path) b/\(path)\n--- a/\(path)\n+++ b/\(path)\n"
        diff += "@@ -\(start),\(ctx) +\(start),\(ctx + 1) @@\n"
        diff += lines.suffix(ctx).map { " " + $0 + "\n" }.joined()
        diff += "+\(line)\n"
        return PatchToApply(label: "1/1 'kgate test: append to \(path)'", authorName: "kgate test",
                            authorEmail: "test@kgate.invalid", date: Date(timeIntervalSince1970: 1_700_000_000),
                            timezoneOffsetMinutes: 0, message: "kgate test: append to \(path)\n", diff: diff)
    }
}
