import Foundation
import Testing
import TestSupport
@testable import KernelBuild

/// A failed make is the tree's only when the log shows no host fault.
@Suite(.tags(.unit)) struct BuildCauseTests {
    @Test func compilerCrashIsTheHosts() throws {
        let log = """
              CC      net/ipv4/tcp_input.o
            net/ipv4/tcp_input.c: In function 'tcp_ack':
            net/ipv4/tcp_input.c:3801:1: internal compiler error: Segmentation fault
            Please submit a full bug report, with preprocessed source.
            make[4]: *** [scripts/Makefile.build:229: net/ipv4/tcp_input.o] Error 1
            """
        let cause = try #require(BuildLog.infrastructureCause(in: log, signal: nil))
        #expect(cause.message.hasPrefix("the compiler crashed"))
        #expect(cause.excerpt.contains("internal compiler error: Segmentation fault"))
    }

    @Test func fullDiskOutOfMemoryAndMissingToolsAreTheHosts() {
        let cases = [
            ("net/core/dev.o: No space left on device", "file system is full"),
            ("gcc: fatal error: Killed signal terminated program cc1", "was killed"),
            ("/bin/sh: 1: bc: not found", "build tool is missing"),
            ("make[2]: flex: No such file or directory", "build tool is missing"),
            ("/bin/sh: line 1: pahole: command not found", "build tool is missing"),
        ]
        for (line, meaning) in cases {
            let log = "  CC      kernel/fork.o\n\(line)\nmake[1]: *** [Makefile:1] Error 1\n"
            #expect(BuildLog.infrastructureCause(in: log, signal: nil)?.message.contains(meaning) == true, "\(line)")
        }
    }

    @Test func makeKilledBySignalIsTheHostsEvenWithoutALogLine() throws {
        let cause = try #require(BuildLog.infrastructureCause(in: "  CC      kernel/fork.o\n", signal: SIGKILL))
        #expect(cause.message.contains("signal 9"))
        #expect(cause.message.contains("OOM killer"))
    }

    @Test func aCompileErrorInTheTreeIsNotTheHosts() {
        let log = """
              CC      net/ipv4/tcp_output.o
            net/ipv4/tcp_output.c:42:5: error: 'kgate_missing' undeclared (first use in this function)
            make[4]: *** [scripts/Makefile.build:229: net/ipv4/tcp_output.o] Error 1
            make: *** [Makefile:224: __sub-make] Error 2
            """
        #expect(BuildLog.infrastructureCause(in: log, signal: nil) == nil)
        // make's own "No such file" for a missing target is the tree's too.
        let rule = "make[3]: *** No rule to make target 'net/foo.o', needed by 'net/built-in.a'.  Stop.\n"
        #expect(BuildLog.infrastructureCause(in: rule, signal: nil) == nil)
    }
}
