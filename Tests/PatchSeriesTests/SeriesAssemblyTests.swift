import Foundation
import KGateCore
import Testing
import TestSupport
@testable import PatchSeries

@Suite("series assembly (b4 rules)", .tags(.unit))
struct SeriesAssemblyTests {
    let loader = SeriesLoader()

    @Test func formatPatchDirectory() throws {
        let s = try loader.load(source: Fixtures.url("fp-series").path)
        #expect(s.version == 2)
        #expect(s.prefixes == ["net-next"])
        #expect(s.coverSubject == "tcp_demo: window and limit cleanups")
        #expect(s.baseCommit == "3c5a662cd829fa434ac2f530e869fa508096d3a9")
        #expect(s.patches.map(\.index) == [1, 2, 3])
        #expect(s.patches.allSatisfy { $0.total == 3 })
        let p1 = s.patches[0]
        #expect(p1.subject == "tcp_demo: raise the initial window to 16")
        #expect(p1.author == MailAddress(name: "Jörg Müller", email: "joerg@example.de"))
        #expect(p1.timezoneOffsetMinutes == 120)
        #expect(p1.date.timeIntervalSince1970 == 1_714_634_100)
        #expect(p1.body == "The old value of 10 predates RFC 6928 by a decade.\nUse 16 to match what the stack does.")
        #expect(p1.trailers == [Trailer(name: "Signed-off-by", value: "Jörg Müller <joerg@example.de>")])
        #expect(p1.files == ["net/ipv4/tcp_demo.c"])
        #expect(p1.diff.hasPrefix("diff --git a/net/ipv4/tcp_demo.c b/net/ipv4/tcp_demo.c\n"))
        #expect(p1.diff.hasSuffix(" int tcp_demo_init(void)\n {\n")) // signature "-- \n2.39.5" cut
        #expect(s.patches[1].files == ["include/net/tcp_demo.h", "net/ipv4/tcp_demo.c"])
        #expect(s.patches[2].files == ["net/ipv4/Makefile.demo", "net/ipv4/tcp_demo.c", "net/ipv4/tcp_demo_core.c"])
        #expect(s.patches[2].body == "")
        #expect(s.patches[2].timezoneOffsetMinutes == -420)
    }

    @Test func patchesToApplyAreDeterministic() throws {
        let s = try loader.load(source: Fixtures.url("fp-series").path)
        let a = s.patchesToApply()
        #expect(a == (try loader.load(source: Fixtures.url("fp-series").path)).patchesToApply())
        #expect(a[0].label == "1/3 'tcp_demo: raise the initial window to 16'")
        #expect(a[0].message == """
            tcp_demo: raise the initial window to 16

            The old value of 10 predates RFC 6928 by a decade.
            Use 16 to match what the stack does.

            Signed-off-by: Jörg Müller <joerg@example.de>

            """)
        #expect(a[2].message == "tcp_demo: rename to tcp_demo_core.c\n\nSigned-off-by: Ann Dev <ann@example.org>\n")
        #expect(a[1].authorName == "Ann Dev" && a[1].timezoneOffsetMinutes == -420)
    }

    /// The extracted diffs apply with the real git on the base tree, in order.
    @Test func diffsApplyWithRealGit() throws {
        let s = try loader.load(source: Fixtures.url("fp-series").path)
        let work = try TestEnv.temporaryDirectory("series-apply")
        #expect(try ProcessRunner.run("/bin/tar", ["-xf", Fixtures.url("fp-base.tar").path, "-C", work.path]).succeeded)
        #expect(try ProcessRunner.run("/usr/bin/git", ["init", "-q", "."], cwd: work).succeeded)
        #expect(try ProcessRunner.run("/usr/bin/git", ["add", "-A"], cwd: work).succeeded)
        for patch in s.patchesToApply() {
            let file = work.appendingPathComponent("p.diff")
            try Data(patch.diff.utf8).write(to: file)
            let r = try ProcessRunner.run("/usr/bin/git", ["apply", "--index", file.path], cwd: work)
            #expect(r.succeeded, "\(patch.label): \(r.stderr)")
        }
        let final = try String(contentsOf: work.appendingPathComponent("net/ipv4/tcp_demo_core.c"), encoding: .utf8)
        #expect(final.contains("tcp_demo_window = 16") && final.contains("return 4 * tcp_demo_window;"))
    }

    /// KCIDB: sha256 over each patch's sha256 hex + "\n", checked against sha256sum.
    @Test func patchsetHashMatchesSha256sum() throws {
        let s = try loader.load(source: Fixtures.url("fp-series").path)
        let work = try TestEnv.temporaryDirectory("series-hash")
        var names: [String] = []
        for p in s.patches {
            let name = String(format: "%04d.diff", p.index)
            try Data(p.diff.utf8).write(to: work.appendingPathComponent(name))
            names.append(name)
        }
        let r = try ProcessRunner.run("/bin/sh", ["-c", "sha256sum \(names.joined(separator: " ")) | cut -c-64 | sha256sum | cut -c-64"], cwd: work)
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == s.patchsetHash)
        #expect(s.patchsetHash.count == 64)
        #expect(s.defaultRefName == "series/" + s.patchsetHash.prefix(12))
        #expect(Series.patchsetHash(diffs: []) == "")
    }

    @Test func threadHighestRevisionAndReplyTrailers() throws {
        let s = try loader.load(source: Fixtures.url("thread.mbox").path)
        #expect(s.version == 2)
        #expect(s.coverSubject == "tcp_demo: window and limit cleanups") // folded subject unfolded
        #expect(s.coverMessageID == "v2-0@example.org")
        #expect(s.baseCommit == "3c5a662cd829fa434ac2f530e869fa508096d3a9")
        // 3/3 precedes 2/3 in the mbox: ordered by counter.
        #expect(s.patches.map(\.messageID) == ["v2-1@example.de", "v2-2@example.org", "v2-3@example.org"])
        let acked = Trailer(name: "Acked-by", value: "Maint Ainer <maint@example.net>")
        for p in s.patches {
            #expect(p.trailers.contains(acked), "cover reply reaches \(p.label)")
            #expect(!p.trailers.contains { $0.value.contains("old@example.com") }, "v1 review must not reach v2")
        }
        #expect(s.patches[1].trailers == [
            Trailer(name: "Signed-off-by", value: "Ann Dev <ann@example.org>"),
            Trailer(name: "Reviewed-by", value: "Rev One <rev1@example.com>"),
            acked,
            Trailer(name: "Tested-by", value: "Tess Ter <tess@example.com>"), // reply to the reply
        ])
        #expect(s.patches[0].trailers.count == 2 && s.patches[2].trailers.count == 2)
        #expect(s.patches[0].author.name == "Jörg Müller")
    }

    @Test func mboxrdEscapesInACommitMessage() throws {
        let rd = try loader.load(source: Fixtures.url("thread.mbox").path)
        #expect(rd.patches[0].body.contains("\nFrom RFC 6928 onwards, IW10 is the norm.\n"))
        #expect(rd.patches[0].body.contains("\n>From the old thread: use 16."))
        let o = try SeriesLoader(mboxFormat: .mboxo).load(source: Fixtures.url("thread.mbox").path)
        #expect(o.patches[0].body.contains("\n>>From the old thread: use 16."))
        #expect(o.patches[0].body.contains("\nFrom RFC 6928 onwards"))
    }

    @Test func singleMailsQPandMultipart() throws {
        let qp = try loader.load(source: Fixtures.url("qp-latin1-crlf.eml").path)
        #expect(qp.version == 1 && qp.patches.count == 1 && qp.baseCommit == nil)
        #expect(qp.patches[0].label == "1/1 'tcp_demo: scale for the café benchmark'")
        #expect(qp.patches[0].timezoneOffsetMinutes == 330)
        #expect(qp.patches[0].diff.contains("+\treturn x * 3; /* café */\n"))
        let mp = try loader.load(source: Fixtures.url("multipart-x-patch.eml").path)
        #expect(mp.isRFC && mp.version == 3)
        #expect(mp.patches[0].subject == "tcp_demo: document the scale factor")
        #expect(mp.patches[0].body == "Document the scale factor in the header.")
        #expect(mp.patches[0].files == ["include/net/tcp_demo.h"])
        #expect(mp.patches[0].author.email == "li.wei@example.cn")
    }

    func thread(_ subjects: [String]) -> Data {
        var text = ""
        for (i, subject) in subjects.enumerated() {
            text += "From x@y Thu Jan  1 00:00:00 1970\nFrom: A <a@x>\nDate: Thu, 2 May 2024 12:00:00 +0000\n"
            text += "Subject: \(subject)\nMessage-ID: <m\(i)@x>\n\nmsg \(i)\n\nSigned-off-by: A <a@x>\n---\n"
            text += "diff --git a/f\(i) b/f\(i)\n--- a/f\(i)\n+++ b/f\(i)\n@@ -1 +1 @@\n-a\n+b\n\n"
        }
        return Data(text.utf8)
    }

    func load(_ data: Data) throws -> Series {
        let url = try TestEnv.temporaryDirectory("series").appendingPathComponent("t.mbox")
        try data.write(to: url)
        return try loader.load(source: url.path)
    }

    @Test func missingPatchErrorNamesWhatIsMissing() throws {
        let data = thread(["[PATCH v2 1/5] a", "[PATCH v2 2/5] b", "[PATCH v2 4/5] d", "[PATCH v2 5/5] e", "[PATCH 3/5] old c"])
        let error = try #require(throws: KGateError.self) { try load(data) }
        #expect(error.blame == .kernelUnderTest)
        #expect(error.what == "series v2 is incomplete: it has 4 of 5 patches (1, 2, 4, 5); missing 3/5")
    }

    @Test func noPatchesAndDuplicates() throws {
        let none = Data("From x Thu Jan  1 00:00:00 1970\nSubject: Re: [PATCH] x\n\nReviewed-by: A <a@x>\n".utf8)
        let error = try #require(throws: KGateError.self) { try load(none) }
        #expect(error.what.hasPrefix("the input is not a patch series: no message has a diff"))
        // A resend of the same label with the same Date: the later posting (in the thread) wins.
        let dup = try load(thread(["[PATCH 1/2] a", "[PATCH RESEND 1/2] a again", "[PATCH 2/2] b"]))
        #expect(dup.patches.map(\.subject) == ["a again", "b"])
        #expect(dup.report.dropped.map(\.messageID) == ["m0@x"])
        // Counter-less patches keep mbox order.
        let loose = try load(thread(["[PATCH] first", "[PATCH] second"]))
        #expect(loose.patches.map(\.label) == ["1/2 'first'", "2/2 'second'"])
    }

    @Test func resentPatchesDoNotLendTheirSignOffs() throws {
        var text = ""
        let mails: [(String, String, String, String)] = [
            ("[PATCH 0/1] cover", "c@x", "", "Cover.\n"),
            ("[PATCH 1/1] fix", "p1@x", "<c@x>", "Fix.\n\nSigned-off-by: A <a@x>\n---\ndiff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n"),
            ("[PATCH RESEND 1/1] fix", "p2@x", "<c@x>", "Fix.\n\nSigned-off-by: Other <o@x>\n---\ndiff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n"),
            ("Re: [PATCH 1/1] fix", "r@x", "<p1@x>", "> Signed-off-by: A <a@x>\n\nReviewed-by: A <a@x>\n"),
        ]
        for (subject, id, parent, body) in mails {
            text += "From x Thu Jan  1 00:00:00 1970\nFrom: A <a@x>\nSubject: \(subject)\nMessage-ID: <\(id)>\n"
            if !parent.isEmpty { text += "In-Reply-To: \(parent)\n" }
            text += "\n\(body)\n"
        }
        // No dates: the later posting in the thread (the resend) is used, with its own
        // sign-off only; the review answers the replaced posting, so it stays there (as b4).
        let s = try load(Data(text.utf8))
        #expect(s.patches.map(\.messageID) == ["p2@x"])
        #expect(s.patches[0].trailers.map(\.line) == ["Signed-off-by: Other <o@x>"])
    }

    @Test func inBodyFromOverridesSender() throws {
        let text = """
            From: Maintainer <m@x>
            Date: Thu, 2 May 2024 12:00:00 +0000
            Subject: [PATCH] net: fix

            From: Real Author <real@x>
            Date: Wed, 1 May 2024 08:00:00 -0300

            Fix it.

            Signed-off-by: Real Author <real@x>
            Signed-off-by: Maintainer <m@x>
            ---
            diff --git a/f b/f
            --- a/f
            +++ b/f
            @@ -1 +1 @@
            -a
            +b
            -- 
            2.45.0

            """
        let s = try load(Data(text.utf8))
        #expect(s.patches[0].author == MailAddress(name: "Real Author", email: "real@x"))
        #expect(s.patches[0].timezoneOffsetMinutes == -180)
        #expect(s.patches[0].body == "Fix it.")
        #expect(s.patches[0].trailers.count == 2)
        #expect(s.patches[0].diff == "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n")
    }

    @Test func sizeBounds() throws {
        var small = SeriesLoader.Limits()
        small.maxMboxBytes = 1000
        let error = try #require(throws: KGateError.self) {
            try SeriesLoader(limits: small).load(source: Fixtures.url("thread.mbox").path)
        }
        #expect(error.what.contains("too large"))
        var few = SeriesLoader.Limits()
        few.maxMessages = 5
        #expect(throws: KGateError.self) { try SeriesLoader(limits: few).load(source: Fixtures.url("thread.mbox").path) }
    }

    @Test func sourceErrors() throws {
        #expect(throws: KGateError.self) { try loader.load(source: "/nonexistent/dir/x.mbox") }
        #expect(throws: KGateError.self) { try loader.load(source: nil) }
        let empty = try TestEnv.temporaryDirectory("series-empty")
        let error = try #require(throws: KGateError.self) { try loader.load(source: empty.path) }
        #expect(error.what.contains("no *.patch files"))
    }
}
