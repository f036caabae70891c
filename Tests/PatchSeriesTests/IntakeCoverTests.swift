import Foundation
import KGateCore
import Testing
import TestSupport
@testable import PatchSeries

/// Cover letters in the forms kernel developers send them, and the subject
/// rules that go with them.
@Suite("patch intake: cover letters and subjects", .tags(.unit))
struct IntakeCoverTests {
    let loader = SeriesLoader()
    func load(_ name: String) throws -> Series { try loader.load(source: Fixtures.url("intake/" + name).path) }

    @Test func versionAfterTheCounterSetsTheRepliesVersion() throws {
        let s = try load("cover-version-after-counter.mbox")
        #expect(s.version == 3)
        #expect(s.coverSubject == "tcp: two fixes" && s.coverMessageID == "cv-0@example.org")
        #expect(s.patches.map(\.messageID) == ["cv-1@example.org", "cv-2@example.org"])
        // The explicit v2 posting is older than the inherited v3, and is named.
        #expect(s.report.dropped.map(\.messageID) == ["cv2-1@example.org"])
        #expect(s.report.dropped.map(\.reason) == [.olderRevision])
    }

    @Test func treeAndVersionInTheCoverWithUnversionedPatches() throws {
        let s = try load("cover-net-v3.mbox")
        #expect(s.version == 3 && s.prefixes == ["net"])
        #expect(s.coverSubject == "net: three small fixes")
        #expect(s.patches.map(\.label) == ["1/3 'net: fix 1'", "2/3 'net: fix 2'", "3/3 'net: fix 3'"])
        #expect(s.report.isEmpty)
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
