import Foundation
import KGateCore
import Testing
import TestSupport

/// `kgate series` on intake edge cases: exit codes, stderr, --json.
@Suite("patch intake (CLI)", .tags(.unit))
struct IntakeCommandTests {
    func fixture(_ name: String) -> String { Fixtures.url("intake/" + name).path }

    @Test func inputThatIsNotMailExitsTwoWithAFix() throws {
        let r = try TestEnv.kgate(["series", "show", fixture("not-mail.txt")], timeout: 60)
        #expect(r.exitCode == KGateExitCode.brokenPatch)
        #expect(r.stderr.contains("error: the input is not a patch series: malformed mail header line"))
        #expect(r.stderr.contains("  fix: "))
        let pull = try TestEnv.kgate(["series", "show", fixture("git-pull.eml")], timeout: 60)
        #expect(pull.exitCode == KGateExitCode.brokenPatch)
        #expect(pull.stderr.contains("is a pull request, not a patch") && pull.stderr.contains("  fix: "))
    }

    @Test func droppedMessagesOnStderrAndInJSON() throws {
        let r = try TestEnv.kgate(["series", "show", fixture("dropped.mbox"), "--json"], timeout: 60)
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(r.stderr.contains("series: dropped '[PATCH 1/2] old: first' <dr1-1@example.org>: "
            + "v1 1/2, another revision (its own subject says v1); the series is v2\n"))
        #expect(r.stderr.contains("series: dropped '[PATCH v2] unrelated: a stray fix' <dr2-x@example.org>: "))
        #expect(r.stderr.contains("series: dropped '[PATCH v2 2/2] new: second' <dr2-2@example.org>: another posting of v2 2/2; "
            + "the later one, <dr2-2b@example.org>"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let dropped = try #require((json["report"] as? [String: Any])?["dropped"] as? [[String: Any]])
        #expect(dropped.compactMap { $0["reason"] as? String } == ["unrelated", "duplicate", "olderRevision"])
    }

    @Test func helpSaysWhereKgateDiffersFromB4() throws {
        let r = try TestEnv.kgate(["series", "--help"], timeout: 60)
        let text = r.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("Where kgate differs from b4 on purpose:"))
        #expect(text.contains("the later one wins (newer Date, then later in the input; b4 numbers it as a new revision)"))
        #expect(text.contains("An unversioned patch answering a versioned cover letter stays v1"))
        #expect(text.contains("there is no --sloppy-trailers"))
    }
}
