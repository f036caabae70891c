import Foundation
import KGateCore
import Testing
import TestSupport
@testable import PatchSeries

/// Follow-up trailers, re-rolls, resends and what is dropped, as b4 decides them.
@Suite("patch intake: follow-ups, re-rolls, resends", .tags(.unit))
struct IntakeFollowUpTests: IntakeFixtures {
    let sob = Trailer(name: "Signed-off-by", value: "Ann Dev <ann@example.org>")

    @Test func trailerForSomeoneElseIsReportedNotApplied() throws {
        let s = try load("trailer-mismatch.mbox")
        #expect(s.patches[0].trailers == [sob, Trailer(name: "Reviewed-by", value: "Rev One <rev1@example.com>")])
        #expect(s.report.trailerMismatches == [TrailerMismatch(
            trailer: Trailer(name: "Acked-by", value: "Boss Person <boss@example.net>"),
            sender: MailAddress(name: "Rev One", email: "rev1@example.com"), messageID: "tr-2@example.org", patchIndex: 1)])
        #expect(s.report.lines == ["not applied: 'Acked-by: Boss Person <boss@example.net>' was sent by Rev One <rev1@example.com> in <tr-2@example.org>"])
    }

    @Test func mailtoJunkIsCleaned() throws {
        let s = try load("trailer-mailto.mbox")
        #expect(s.patches[0].trailers == [sob, Trailer(name: "Reviewed-by", value: "Rev One <rev1@example.com>")])
        #expect(s.report.trailerMismatches.isEmpty)
    }

    @Test func replyWithoutReCounts() throws {
        let s = try load("reply-without-re.mbox")
        #expect(s.patches.count == 1)
        #expect(s.patches[0].trailers == [sob, Trailer(name: "Tested-by", value: "Tess Ter <tess@example.com>")])
        #expect(s.report.dropped.isEmpty)
    }

    @Test func linkAndClosesFromAReplyAreTrailers() throws {
        let s = try load("reply-link-closes.mbox")
        #expect(s.patches[0].trailers.map(\.line) == [
            "Signed-off-by: Ann Dev <ann@example.org>",
            "Reported-by: Bug Reporter <bugs@example.com>",
            "Closes: https://bugzilla.example.org/show_bug.cgi?id=4242",
            "Link: https://lore.example.org/r/report-1@example.com",
        ])
    }

    @Test func partialRerollIsRebuiltFromThePreviousRevision() throws {
        let s = try load("partial-reroll.mbox")
        #expect(s.version == 3)
        #expect(s.patches.map(\.messageID) == ["pr2-1@example.org", "pr3-2@example.org"])
        #expect(s.patches[1].body == "Second, fixed.")
        #expect(s.report.warnings == ["partial re-roll: v3 re-sends 2/2 in reply to v2; 1/2 <pr2-1@example.org> carried from v2, as b4 does"])
        #expect(s.report.carried == [CarriedPatch(index: 1, total: 2, fromRevision: 2, subject: "[PATCH v2 1/2] io: first",
                                                  messageID: "pr2-1@example.org")])
        #expect(s.report.dropped.map(\.messageID) == ["pr2-2@example.org"])
    }

    /// b4's partial re-roll trailer rule: a review of the old 2/2 reviewed other
    /// code and does not reach the re-posted 2/2 (it is named); replies to the
    /// carried 1/2 and to the cover letter still count.
    @Test func partialRerollKeepsOldReviewsOffTheNewPatch() throws {
        let s = try load("partial-reroll-trailers.mbox")
        #expect(s.version == 3 && s.coverMessageID == "pt2-0@example.org")
        #expect(s.patches.map(\.messageID) == ["pt2-1@example.org", "pt3-2@example.org"])
        #expect(s.report.carried.map(\.messageID) == ["pt2-1@example.org"])
        let tested = "Tested-by: Rev Two <rev2@example.com>", acked = "Acked-by: Maint Ainer <maint@example.net>"
        #expect(s.patches[0].trailers.map(\.line) == [sob.line, tested, acked])
        #expect(s.patches[1].trailers.map(\.line) == [sob.line, acked])
        #expect(s.report.warnings.last == "not carried to 2/2 'io: two': 'Reviewed-by: Rev Two <rev2@example.com>' in "
            + "<pt2-2r@example.org> answers <pt2-2@example.org>, the older patch this re-roll re-posts: it reviewed other code "
            + "(b4's partial re-roll rule)")
        #expect(s.report.dropped.map(\.messageID) == ["pt2-2@example.org"])
    }

    @Test func unlabelledResendNewerWins() throws {
        let s = try load("resend-newer.mbox")
        #expect(s.patches.map(\.messageID) == ["rs-2@example.org"])
        #expect(s.patches[0].body == "Fix, rebased.")
        #expect(s.report.dropped == [DroppedMessage(
            reason: .duplicate, subject: "[PATCH] fs: fix the demo", messageID: "rs-1@example.org", origin: s.report.dropped.first?.origin ?? "",
            detail: "another posting of v1 'fs: fix the demo'; the later one, <rs-2@example.org> '[PATCH] fs: fix the demo', is used")])
    }

    @Test func everyDroppedMessageIsNamed() throws {
        let s = try load("dropped.mbox")
        // dr2-2 and dr2-2b have one Date: the later in the thread is the later posting.
        #expect(s.patches.map(\.messageID) == ["dr2-1@example.org", "dr2-2b@example.org"])
        let dropped = s.report.dropped.map { "\($0.reason.rawValue) \($0.messageID ?? "")" }
        #expect(dropped == ["unrelated dr2-x@example.org", "duplicate dr2-2@example.org", "olderRevision dr1-1@example.org"])
        let json = try #require(try JSONSerialization.jsonObject(with: s.json()) as? [String: Any])
        let report = try #require(json["report"] as? [String: Any])
        #expect((report["dropped"] as? [Any])?.count == 3)
    }
}
