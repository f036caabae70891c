/// The `kgate series --help` text: what intake takes, and where it differs
/// from b4 on purpose (docs/patch-intake.md has the long form).
enum SeriesHelp {
    static let discussion = """
        Takes what git am takes: git diffs, quilt/diff -u diffs (--- a/x, +++ b/x; names lose \
        their first component, -p1) and CVS/svn Index: diffs, inline or as text/x-patch \
        attachments. The series is assembled as b4 does: highest revision, i/n order, cover \
        letter ([PATCH 0/n], [PATCH 0 of n], [PATCH 0/n v3], or the message the patches \
        answer), partial re-rolls rebuilt from the previous revision, and follow-up trailers \
        (*-by, Link, Closes, Fixes) from replies. Every message left out (older revision, \
        duplicate, unrelated patch, pull request) and every trailer not applied is named on \
        stderr and under "report" in --json.

        Where kgate differs from b4 on purpose:
          - A second posting of the same patch without a new version label: the newer Date \
        wins (b4 numbers it as a new revision); the older one is reported as a duplicate.
          - A reply without "Re:" that answers a patch (In-Reply-To/References) gives its \
        trailers (b4 ignores such a message).
          - A trailer whose address and name are not the reply's sender is never applied: \
        there is no --sloppy-trailers.
          - An incomplete series is an error (exit 2); b4 warns and writes what it has.
          - [GIT PULL] is reported as a pull request (exit 2 when nothing else is a patch).
          - Input that is not mail is exit 2 ("the input is not a patch series"), not 64.
        """
}
