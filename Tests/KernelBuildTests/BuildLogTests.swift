import Foundation
import Testing
import TestSupport
@testable import KernelBuild

/// Log digestion on text in the exact shapes gcc, ld and make print.
@Suite(.tags(.unit)) struct BuildLogTests {
    let source = URL(fileURLWithPath: "/cache/worktrees/linux")
    let objects = URL(fileURLWithPath: "/cache/builds/abc/obj-0123456789ab")

    @Test func firstCompilerErrorWithContextAndRelativePath() {
        let log = """
          CC      net/ipv4/tcp.o
          CC      net/ipv4/tcp_input.o
        ../../../worktrees/linux/net/ipv4/tcp_input.c: In function 'tcp_rcv_established':
        ../../../worktrees/linux/net/ipv4/tcp_input.c:6123:17: error: expected expression before ';' token
         6123 |         int x = ;
              |                 ^
        ../../../worktrees/linux/net/ipv4/tcp_input.c:6200:3: error: second error
        make[4]: *** [../../../worktrees/linux/scripts/Makefile.build:229: net/ipv4/tcp_input.o] Error 1
        """
        let f = BuildLog.firstError(in: log, source: source, objects: objects)
        #expect(f.location == "net/ipv4/tcp_input.c:6123")
        #expect(f.excerpt.contains("net/ipv4/tcp_input.c:6123:17: error: expected expression before ';' token"))
        #expect(f.excerpt.contains("int x = ;"))
        #expect(f.excerpt.contains("In function 'tcp_rcv_established'"))
        #expect(!f.excerpt.contains("second error"))
    }

    @Test func linkerErrorAndMakeFallback() {
        let link = """
          LD      vmlinux.o
        ld: net/ipv4/tcp_input.o: in function `tcp_rcv_established':
        tcp_input.c:(.text+0x1a2b): undefined reference to `kgate_missing'
        make[2]: *** [scripts/Makefile.vmlinux_o:61: vmlinux.o] Error 1
        """
        let f = BuildLog.firstError(in: link)
        #expect(f.message.contains("undefined reference to `kgate_missing'"))
        #expect(f.excerpt.contains("in function `tcp_rcv_established'"))
        #expect(f.location == "tcp_input.c:(.text+0x1a2b)")
        let other = "  GEN     Makefile\nsomething odd\nmake[1]: *** [Makefile:224: __sub-make] Error 2\n"
        #expect(BuildLog.firstError(in: other).message.hasPrefix("make[1]: ***"))
    }

    @Test func warningsIgnoreLineNumbersWhenComparedToABaseline() {
        let base = """
        /cache/worktrees/linux/net/core/dev.c:100:5: warning: unused variable 'a' [-Wunused-variable]
        /cache/worktrees/linux/net/core/dev.c:200:5: warning: unused variable 'b' [-Wunused-variable]
        """
        let cand = """
        /cache/worktrees/linux/net/core/dev.c:110:5: warning: unused variable 'a' [-Wunused-variable]
        /cache/worktrees/linux/net/core/dev.c:210:5: warning: unused variable 'b' [-Wunused-variable]
        /cache/worktrees/linux/net/ipv4/tcp.c:5:1: warning: 'f' defined but not used [-Wunused-function]
        """
        let b = BuildLog.warnings(in: base, source: source, objects: objects)
        let c = BuildLog.warnings(in: cand, source: source, objects: objects)
        #expect(b.count == 2 && c.count == 3)
        #expect(c[0].file == "net/core/dev.c" && c[0].line == 110)
        let new = BuildLog.newWarnings(c, baseline: b)
        #expect(new == [BuildWarning(file: "net/ipv4/tcp.c", line: 5, message: "'f' defined but not used [-Wunused-function]")])
        #expect(BuildLog.compiledUnits(in: "  CC      net/ipv4/tcp.o\n  LD      vmlinux\n  CC      init/main.o") == ["net/ipv4/tcp.c", "init/main.c"])
    }
}
