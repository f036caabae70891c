import Foundation
import KGateCore
import Testing
import TestSupport
@testable import PatchSeries

/// Mails patchwork files as patches that b4 leaves alone: a pull request that
/// carries a diff, and a mail with a diff but an empty Subject.
@Suite("patch intake: patchwork's patches", .tags(.unit))
struct IntakePatchworkTests: IntakeFixtures {

    @Test func pullRequestWithADiffIsAPatchWithItsURL() throws {
        let s = try load("pull-with-diff.mbox")
        #expect(s.patches.count == 1)
        let p = s.patches[0]
        #expect(p.label == "1/1 'x86 fixes for v6.12-rc3'")
        #expect(p.pullURL == "git://git.example.org/pub/scm/linux/kernel/git/tip/tip.git x86-fixes-for-linus")
        #expect(p.files == ["arch/x86/demo.c"])
        #expect(p.diff.hasPrefix("diff --git a/arch/x86/demo.c b/arch/x86/demo.c\n"))
        #expect(s.report.dropped.isEmpty)
        #expect(s.report.warnings == ["patch 1/1 'x86 fixes for v6.12-rc3' is a pull request that carries a diff: its diff is "
            + "tested as a patch (as patchwork files it); the branch it names: "
            + "git://git.example.org/pub/scm/linux/kernel/git/tip/tip.git x86-fixes-for-linus"])
        #expect(s.summary().contains("\n      pull: git://git.example.org/pub/scm/linux/kernel/git/tip/tip.git x86-fixes-for-linus"))
        let json = try #require(try JSONSerialization.jsonObject(with: s.json()) as? [String: Any])
        #expect((json["patches"] as? [[String: Any]])?.first?["pullURL"] as? String
            == "git://git.example.org/pub/scm/linux/kernel/git/tip/tip.git x86-fixes-for-linus")
    }

    /// The URL forms `git request-pull` writes, a branch wrapped onto the next line, and what is not a pull request.
    @Test func pullURLForms() {
        func url(_ at: String) -> String? {
            SeriesAssembler.pullRequestURL(in: "The following changes since commit abc:\n\n  x\n\nare available in the Git repository at:\n\n"
                                           + at + "\n\nfor you to fetch changes up to def:\n")
        }
        #expect(url("  https://git.example.org/a/linux.git tags/v6.12-next") == "https://git.example.org/a/linux.git tags/v6.12-next")
        #expect(url("  https://git.example.org/a/linux.git/\ntags/v5.4-next-soc") == "https://git.example.org/a/linux.git/ tags/v5.4-next-soc")
        #expect(url("  git@git.example.org:a/linux.git for-linus") == "git@git.example.org:a/linux.git for-linus")
        #expect(url("  git+ssh://git.example.org/a/linux.git") == "git+ssh://git.example.org/a/linux.git")
        #expect(url("  not a url") == nil)
        #expect(SeriesAssembler.pullRequestURL(in: "are available in the git repository at:\n  git://x/y.git\n") == nil)
        #expect(SeriesAssembler.pullRequestURL(in: "diff --git a/x b/x\nThe following changes since commit a:\n"
                                               + "are available in the git repository at:\n  git://x/y.git\n") == nil)
    }

    @Test func diffWithAnEmptySubjectIsTakenWithAWarning() throws {
        let s = try load("no-subject.eml")
        #expect(s.patches.count == 1)
        let p = s.patches[0]
        // A rename lists both names, as the patch's files do.
        let made = "(no subject) package/demo/demo-add.patch, package/demo/000-demo-add.patch, package/demo/Config.in"
        #expect(p.subject == made)
        #expect(p.body == "Rename the demo patches to the standard scheme.")
        #expect(s.report.warnings == ["patch 1/1 <ns-1@example.org> has an empty Subject: taken as a patch (as patchwork "
            + "files it) with the subject '\(made)' made from its diff's files"])
        let many = SeriesAssembler.subjectFromFiles(["a", "b", "c", "d", "e", String(repeating: "x", count: 500)])
        #expect(many == "(no subject) a, b, c, +3 more")
        #expect(SeriesAssembler.subjectFromFiles([String(repeating: "y", count: 500)]).count == "(no subject) ".count + 120)
    }
}
