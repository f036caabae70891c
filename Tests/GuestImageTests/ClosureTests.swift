import Foundation
import GuestImage
import KGateCore
import Testing
import TestSupport

@Suite(.tags(.unit)) struct ClosureTests {
    @Test func iperf3ClosureHasLibiperfLibcAndInterpreter() throws {
        let closure = try GuestImages.libraryClosure(of: URL(fileURLWithPath: "/usr/bin/iperf3"))
        let paths = closure.map(\.guestPath)
        #expect(paths.first == "/usr/bin/iperf3")
        #expect(paths.contains { $0.hasSuffix("/libiperf.so.0") })
        #expect(paths.contains { $0.hasSuffix("/libc.so.6") })
        #expect(paths.contains("/lib64/ld-linux-x86-64.so.2"))
        // Transitive: libiperf needs libcrypto.
        #expect(paths.contains { $0.hasSuffix("/libcrypto.so.3") })
        // Host files are the symlink targets: real ELF objects, not links.
        for f in closure {
            #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: f.hostFile.path)) == nil)
            #expect(ELF.isELF(try Data(contentsOf: f.hostFile)))
        }
    }

    /// Cross-check against the host's own loader (ldd) for every binary of the recipe.
    @Test(arguments: ["/usr/bin/iperf3", "/sbin/ip", "/sbin/tc", "/usr/bin/sockperf"])
    func closureMatchesLdd(_ binary: String) throws {
        let ours = Set(try GuestImages.libraryClosure(of: URL(fileURLWithPath: binary)).dropFirst()
            .map { ($0.guestPath as NSString).lastPathComponent })
        let ldd = try ProcessRunner.run("ldd", [binary], timeout: 30)
        #expect(ldd.exitCode == 0)
        let theirs = Set(ldd.stdout.split(separator: "\n").compactMap { line -> String? in
            let word = line.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init) ?? ""
            return word.hasPrefix("linux-vdso") ? nil : (word as NSString).lastPathComponent
        })
        #expect(!theirs.isEmpty)
        #expect(theirs == ours, "ldd: \(theirs.sorted()), ours: \(ours.sorted())")
    }

    @Test func staticBusyboxHasNoInterpreter() throws {
        let info = try ELF.dynamicInfo(try Data(contentsOf: URL(fileURLWithPath: "/bin/busybox")), location: "/bin/busybox")
        #expect(info.interpreter == nil)
        #expect(info.needed.isEmpty)
        #expect(info.machine == ELF.x86_64)
    }

    @Test func recipeErrorsNameTheLine() throws {
        let url = URL(fileURLWithPath: "/tmp/x.recipe")
        do {
            _ = try Recipe.parse("init init\nfrobnicate /x\n", url: url)
            Issue.record("expected an error")
        } catch let e as KGateError {
            #expect(e.location == "/tmp/x.recipe:2")
            #expect(e.blame == .input)
        }
        #expect(throws: KGateError.self) { try Recipe.parse("dir /a/../b\ninit init\n", url: url) }
        #expect(throws: KGateError.self) { try Recipe.parse("binary /usr/bin/iperf3\n", url: url) }
    }
}
