import Foundation
import KGateCore
import Testing
import TestSupport
@testable import PatchSeries

/// Issue 31: a mail's revision and total are what its own subject says; only
/// mails of one label (revision and i/n) are postings of one another.
@Suite("patch intake: revisions and totals", .tags(.unit))
struct IntakeRevisionTests: IntakeFixtures {
    func messages(_ name: String) throws -> [MailMessage] {
        try loader.parse(try Fixtures.data("intake/" + name), origin: name)
    }

    /// The issue's thread: a v2 cover, v2 1/3..3/3 and a stale `[PATCH 1/2]`
    /// answering the same cover, all with one Date. The v1 patch's diff differs.
    @Test func unversionedPatchInAV2ThreadStaysV1() throws {
        let s = try load("revision-own-subject.mbox")
        #expect(s.version == 2 && s.coverMessageID == "os2-0@example.org")
        #expect(s.patches.map(\.messageID) == ["os2-1@example.org", "os2-2@example.org", "os2-3@example.org"])
        #expect(s.patches[0].diff.contains("+window = 16\n") && !s.patches[0].diff.contains("window = 12"))
        #expect(s.patches[0].body == "Grow the initial window to 16.")
        #expect(s.report.dropped.map(\.reason) == [.olderRevision])
        #expect(s.report.lines == ["dropped '[PATCH 1/2] tcp: grow the window' <os1-1@example.org>: "
            + "v1 1/2, another revision (its own subject says v1); the series is v2"])
        #expect(SeriesInvariants.violations(of: s, in: try messages("revision-own-subject.mbox")).isEmpty)
    }

    /// v1 and v2 mails interleaved; a v1 patch dated after every v2 one is still v1.
    @Test func interleavedRevisions() throws {
        let s = try load("revision-interleaved.mbox")
        #expect(s.version == 2 && s.coverMessageID == "il2-0@example.org")
        #expect(s.patches.map(\.messageID) == ["il2-1@example.org", "il2-2@example.org", "il2-3@example.org"])
        #expect(s.patches.map(\.body) == ["v2 one.", "v2 two.", "v2 three."])
        let dropped = s.report.dropped.map { "\($0.reason.rawValue) \($0.messageID ?? "")" }
        #expect(dropped == ["otherCover il1-0@example.org", "olderRevision il1-1@example.org", "olderRevision il1-2@example.org"])
        #expect(s.report.warnings.isEmpty)
    }

    /// v2 patches answering the v1 patches of the same i/n are not postings of
    /// them; a v1 review stays with v1; a v1 2/2 resent after v2 is still v1.
    @Test func v2PatchAnsweringAV1Patch() throws {
        let s = try load("revision-reply-to-older.mbox")
        #expect(s.version == 2)
        #expect(s.patches.map(\.messageID) == ["ro2-1@example.org", "ro2-2@example.org"])
        #expect(s.patches.allSatisfy { !$0.trailers.contains { $0.value.contains("rev1@") } })
        #expect(s.report.dropped.map(\.messageID) == ["ro1-1@example.org", "ro1-2@example.org", "ro1-2r@example.org"])
        #expect(s.report.dropped.allSatisfy { $0.reason == .olderRevision })
        #expect(s.report.carried.isEmpty)
    }

    /// `[RESEND PATCH v2 2/3]` is the same label: the later posting wins, the
    /// first is named, and a review of the first posting reaches no patch.
    @Test func resendWithTheSameLabel() throws {
        let s = try load("resend-same-label.mbox")
        #expect(s.patches.map(\.messageID) == ["rl-1@example.org", "rl-2b@example.org", "rl-3@example.org"])
        #expect(s.patches[1].diff.hasSuffix("+b = 2\n"))
        #expect(s.report.lines == ["dropped '[PATCH v2 2/3] net: two' <rl-2@example.org>: another posting of v2 2/3; "
            + "the later one, <rl-2b@example.org> '[RESEND PATCH v2 2/3] net: two', is used"])
        #expect(s.patches.allSatisfy { !$0.trailers.contains { $0.value.contains("rev1@") } })
    }

    /// `[PATCH v2 1/2]` beside `[PATCH v2 1/3]..3/3`: two postings of v2; the
    /// complete one is the series even though the other is later.
    @Test func anotherTotalIsNeverADuplicate() throws {
        let s = try load("revision-other-total.mbox")
        #expect(s.patches.map(\.messageID) == ["ot-1@example.org", "ot-2@example.org", "ot-3@example.org"])
        #expect(s.report.dropped.map(\.reason) == [.otherTotal])
        #expect(s.report.dropped.first?.detail
            == "v2 1/2 belongs to a v2 posting of 2 patches; the series is the one of 3 (another total is never a duplicate)")
    }

    /// Of two complete postings of one revision, the later one.
    @Test func laterCompletePostingOfARevisionWins() throws {
        var text = ""
        for (id, subject, hour) in [("a1", "[PATCH v3 1/1] x: all in one", 12), ("b1", "[PATCH v3 1/2] x: one", 10),
                                    ("b2", "[PATCH v3 2/2] x: two", 10)] {
            text += "From x Thu Jan  1 00:00:00 1970\nFrom: A <a@x>\nDate: Mon, 3 Jun 2024 \(hour):00:00 +0000\n"
                + "Subject: \(subject)\nMessage-ID: <\(id)@x>\n\nm\n\nSigned-off-by: A <a@x>\n---\n"
                + "diff --git a/\(id) b/\(id)\n--- a/\(id)\n+++ b/\(id)\n@@ -1 +1 @@\n-a\n+b\n\n"
        }
        let messages = try loader.parse(Data(text.utf8), origin: "t")
        let s = try SeriesAssembler.assemble(messages, source: "t")
        #expect(s.patches.map(\.messageID) == ["a1@x"])
        #expect(s.report.dropped.map(\.reason) == [.otherTotal, .otherTotal])
        #expect(SeriesInvariants.violations(of: s, in: messages).isEmpty)
    }

    /// A mail's label, nothing else: counters, totals, versions in any bracket.
    @Test func labelsComeFromTheSubjectAlone() {
        let v1 = SubjectInfo.parse("[PATCH 1/2] tcp: x")
        #expect(v1.revision == 1 && !v1.hasRevision && v1.counter == 1 && v1.labelledTotal == 2)
        let v2 = SubjectInfo.parse("[PATCH v2 1/3] tcp: x")
        #expect(v2.revision == 2 && v2.labelledTotal == 3)
        let over = SubjectInfo.parse("[PATCH 6/5] tcp: x")
        #expect(over.counter == 6 && over.expected == 6 && over.labelledTotal == 5)
    }
}
