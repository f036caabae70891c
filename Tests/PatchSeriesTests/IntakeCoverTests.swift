import Foundation
import KGateCore
import Testing
import TestSupport
@testable import PatchSeries

/// Cover letters in the forms kernel developers send them, and the subject
/// rules that go with them.
@Suite("patch intake: cover letters and subjects", .tags(.unit))
struct IntakeCoverTests: IntakeFixtures {

    /// `[PATCH 0/2 v3]` is a v3 cover letter; its unversioned `[PATCH i/2]`
    /// replies are v1 by their own subjects (issue 31: never from the thread),
    /// so the highest labelled revision is the lone `[PATCH v2 1/1]`.
    @Test func versionAfterTheCounterIsTheCoversOwn() throws {
        let info = SubjectInfo.parse("[PATCH 0/2 v3] tcp: two fixes")
        #expect(info.revision == 3 && info.counter == 0 && info.subject == "tcp: two fixes")
        let s = try load("cover-version-after-counter.mbox")
        #expect(s.version == 2 && s.coverMessageID == nil)
        #expect(s.patches.map(\.messageID) == ["cv2-1@example.org"])
        let dropped = s.report.dropped.map { "\($0.reason.rawValue) \($0.messageID ?? "")" }
        #expect(dropped == ["otherCover cv-0@example.org", "olderRevision cv-1@example.org", "olderRevision cv-2@example.org"])
    }

    /// A v3 cover heading unversioned patches: the series is v1, as the patches
    /// say, with that cover (its tree prefix kept) and a warning naming the mismatch.
    @Test func treeAndVersionInTheCoverWithUnversionedPatches() throws {
        let s = try load("cover-net-v3.mbox")
        #expect(s.version == 1 && s.prefixes == ["net"])
        #expect(s.coverSubject == "net: three small fixes")
        #expect(s.patches.map(\.label) == ["1/3 'net: fix 1'", "2/3 'net: fix 2'", "3/3 'net: fix 3'"])
        #expect(s.report.dropped.isEmpty)
        #expect(s.report.warnings == ["the cover letter <nv-0@example.org> says v3, the patches it heads say v1: "
            + "the series is v1, as each patch's own subject says"])
    }

    @Test func counterWithOfAndNoLeakIntoPrefixes() throws {
        let s = try load("cover-of.mbox")
        #expect(s.coverSubject == "hg: patchbomb series")
        #expect(s.prefixes == [])
        #expect(s.patches.map(\.label) == ["1/2 'hg: first'", "2/2 'hg: second'"])
        let info = SubjectInfo.parse("[PATCH net-next 3 of 12] x: y")
        #expect(info.counter == 3 && info.expected == 12 && info.prefixes == ["net-next"] && info.subject == "x: y")
    }

    @Test func nakedCoverThatThePatchesAnswer() throws {
        let s = try load("cover-naked.mbox")
        #expect(s.version == 2)
        #expect(s.coverSubject == "mm: rework the demo allocator" && s.coverMessageID == "nk-0@example.org")
        #expect(s.patches.count == 2)
    }

    @Test func colonAfterTheBracketIsDroppedAsGitDoes() throws {
        let s = try load("colon-subject.eml")
        #expect(s.patches.map(\.subject) == ["tcp: keep the window"])
        #expect(SubjectInfo.parse("[Patch 2/2]: subject").subject == "subject")
        #expect(SubjectInfo.parse("Re: [PATCH]: a: b").subject == "a: b")
    }

    @Test func pullRequestIsReportedAsSuch() throws {
        let error = try #require(throws: KGateError.self) { try load("git-pull.eml") }
        #expect(error.blame == .kernelUnderTest)
        #expect(error.what == "the input is not a patch series: '[GIT PULL] Networking for v6.12-rc3' is a pull request, not a patch")
        #expect(error.fix?.contains("git fetch") == true)
        #expect(SubjectInfo.parse("[GIT PULL] net: x").isPullRequest)
        #expect(SubjectInfo.parse("[PULL 0/3] x").isPullRequest)
        #expect(!SubjectInfo.parse("[PATCH] git: pull fix").isPullRequest)
    }

    @Test func incompleteSeriesCountsWhatItHas() throws {
        let error = try #require(throws: KGateError.self) { try load("incomplete.mbox") }
        #expect(error.blame == .kernelUnderTest)
        #expect(error.what == "series v1 is incomplete: it has 2 of 3 patches (1, 3); missing 2/3")
        #expect(error.fix != nil)
    }
}
