import Foundation
import KGateCore

/// One slot's mail made into a `Patch`, as `git am` would commit it, plus what
/// patchwork files that b4 leaves out: a pull request that carries a diff (its
/// pull URL kept) and a mail with a diff but no subject.
extension SeriesAssembler {
    static func makePatch(_ c: Candidate, index: Int, total: Int, report: inout SeriesReport) throws -> Patch {
        let mail = c.mail
        let body = PatchBody.split(mail.body)
        guard let author = body.inBodyFrom ?? mail.from, !author.email.isEmpty else {
            throw KGateError.patch("patch \(index)/\(total) '\(c.info.subject)' has no From: author", location: mail.origin,
                                   fix: "the mail needs a From: header")
        }
        var date = Date(timeIntervalSince1970: 0)
        var offset = 0
        if let inBody = body.inBodyDate, let parsed = MailDate.parse(inBody) {
            (date, offset) = parsed
        } else if let parsed = try mail.date() {
            (date, offset) = parsed
        }
        var subject = c.info.subject
        if let inBody = body.inBodySubject { subject = SubjectInfo.parse(MIME.decodeEncodedWords(inBody)).subject }
        if subject.isEmpty, !body.files.isEmpty {
            // patchwork files a subject-less mail with a diff as a patch; git am would commit an empty subject line.
            subject = subjectFromFiles(body.files)
            report.warnings.append("patch \(index)/\(total) <\(mail.messageID ?? "?")> has an empty Subject: taken as a patch "
                + "(as patchwork files it) with the subject '\(subject)' made from its diff's files")
        }
        guard !subject.isEmpty else {
            throw KGateError.patch("patch \(index)/\(total) has an empty subject", location: mail.origin,
                                   fix: "the patch needs a subject line (git format-patch writes one)")
        }
        guard !body.diff.isEmpty else {
            throw KGateError.patch("patch \(index)/\(total) '\(subject)' has no diff", location: mail.origin,
                                   fix: "send the patch inline (git format-patch, git send-email)")
        }
        let pullURL = pullRequestURL(in: mail.body)
        if c.info.isPullRequest || pullURL != nil {
            report.warnings.append("patch \(index)/\(total) '\(subject)' is a pull request that carries a diff: its diff is "
                + "tested as a patch (as patchwork files it)" + (pullURL.map { "; the branch it names: \($0)" } ?? ""))
        }
        var patch = Patch(index: index, total: total, subject: subject, author: author, date: date,
                          timezoneOffsetMinutes: offset, body: body.message, trailers: [], diff: body.diff,
                          messageID: mail.messageID, files: body.files, patchworkID: nil, pullURL: pullURL)
        patch.addTrailers(body.trailers)
        return patch
    }

    /// "(no subject) net/x.c, net/y.c, +2 more": at most three paths of at most 120 characters each.
    static func subjectFromFiles(_ files: [String]) -> String {
        let shown = files.prefix(3).map { $0.count > 120 ? "…" + $0.suffix(119) : $0 }
        return "(no subject) " + shown.joined(separator: ", ") + (files.count > 3 ? ", +\(files.count - 3) more" : "")
    }

    /// The URL (and branch or tag) of a `git request-pull` text: the line after
    /// "are available in the git repository at:", which must follow "The
    /// following changes since commit"; a branch on the next line joins it.
    /// Only the text before the first diff is read; nil when there is none.
    static func pullRequestURL(in body: String) -> String? {
        var sawSince = false
        var lines = body.split(separator: "\n", omittingEmptySubsequences: false).prefix(2_000).makeIterator()
        while let raw = lines.next() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("diff --git ") { return nil }
            if line.lowercased().hasPrefix("the following changes since commit") { sawSince = true; continue }
            guard sawSince, line.lowercased().hasPrefix("are available in the git repository at") else { continue }
            var next = lines.next()
            while let blank = next, blank.trimmingCharacters(in: .whitespaces).isEmpty { next = lines.next() }
            guard let urlLine = next?.trimmingCharacters(in: .whitespaces), isRepositoryURL(urlLine) else { return nil }
            var words = urlLine.split(whereSeparator: \.isWhitespace).map(String.init)
            if words.count == 1, let branch = lines.next()?.trimmingCharacters(in: .whitespaces),
               !branch.isEmpty, !branch.contains(" "), !branch.hasSuffix(":") {
                words.append(branch)
            }
            let url = words.prefix(2).joined(separator: " ")
            return url.count <= 1_000 ? url : nil
        }
        return nil
    }

    /// `scheme://…` or `user@host:…` (git's URL forms), no spaces inside the URL itself.
    static func isRepositoryURL(_ line: String) -> Bool {
        guard let first = line.split(whereSeparator: \.isWhitespace).first else { return false }
        guard let sep = first.range(of: "://") ?? first.range(of: "@") else { return false }
        let scheme = first[..<sep.lowerBound]
        return !scheme.isEmpty && scheme.allSatisfy { $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "_" || $0 == "." }
    }
}
