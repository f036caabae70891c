/// The `kgate series --help` text: what intake takes, and where it differs
/// from b4 on purpose (docs/patch-intake.md has the long form).
enum SeriesHelp {
    static let discussion = """
        Takes what git am takes: git diffs, quilt/diff -u diffs (--- a/x, +++ b/x; names lose \
        their first component, -p1) and CVS/svn Index: diffs, inline or as text/x-patch \
        attachments. The series is assembled as b4 does: each mail's revision and total are \
        what its own subject says (vN, else 1; [PATCH 1/2] is never a posting of \
        [PATCH v2 1/3]), highest revision, i/n order, cover letter ([PATCH 0/n], [PATCH 0 of n], [PATCH 0/n v3], or the message the patches \
        answer), partial re-rolls rebuilt from the previous revision, and follow-up trailers \
        (*-by, Link, Closes, Fixes) from replies. As patchwork does, a pull request that \
        carries a diff is a patch (its pull URL kept), and so is a diff under an empty \
        Subject (named from its files). Every message left out (older revision, duplicate, \
        another total, unrelated patch, pull request) and every trailer not applied is named \
        on stderr and under "report" in --json.

        Where kgate differs from b4 on purpose:
          - A second posting of the same label: the later one wins (newer Date, then later \
        in the input; b4 numbers it as a new revision); the other is reported as a duplicate.
          - An unversioned patch answering a versioned cover letter stays v1 (b4 gives it \
        the cover's revision).
          - A reply without "Re:" that answers a patch (In-Reply-To/References) gives its \
        trailers (b4 ignores such a message).
          - A trailer whose address and name are not the reply's sender is never applied: \
        there is no --sloppy-trailers.
          - An incomplete series is an error (exit 2); b4 warns and writes what it has.
          - [GIT PULL] without a diff is reported as a pull request (exit 2 when nothing \
        else is a patch).
          - Input that is not mail is exit 2 ("the input is not a patch series"), not 64.
        """
}
