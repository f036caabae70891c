import Foundation
import KGateCore

/// Turns the messages of a thread (or a directory of patches) into a
/// `Series`, as b4 does: parse subjects, keep the highest revision, order by
/// `i/n`, slot 0 is the cover letter, check completeness, and attach trailers
/// from replies to the patch they answer (or to all, for the cover).
public enum SeriesAssembler {
    public static func assemble(_ messages: [MailMessage], source: String) throws -> Series {
        struct Candidate { var mail: MailMessage; var info: SubjectInfo; var hasDiff: Bool }
        let candidates = messages.map { mail -> Candidate in
            Candidate(mail: mail, info: SubjectInfo.parse(mail.subject),
                      hasDiff: mail.body.hasPrefix("diff --git ") || mail.body.contains("\ndiff --git "))
        }
        let patchMails = candidates.filter { !$0.info.isReply && $0.hasDiff }
        guard !patchMails.isEmpty else {
            throw KGateError.patch("no patches in \(source): no message has a diff (diff --git) outside replies",
                                   location: source, fix: "pass the series' thread, an mbox of git format-patch mails, or a format-patch directory")
        }
        let revision = patchMails.map(\.info.revision).max() ?? 1
        let chosen = patchMails.filter { $0.info.revision == revision }
        // Slot by counter; a lone [PATCH] is 1/1; without counters, mbox order.
        var slots: [Int: Candidate] = [:]
        var total = 0
        if chosen.allSatisfy({ $0.info.counter == nil }) {
            for (i, c) in chosen.enumerated() { slots[i + 1] = c }
            total = chosen.count
        } else {
            for c in chosen {
                guard let counter = c.info.counter, counter >= 1 else {
                    throw KGateError.patch("patch '\(c.mail.subject)' has no i/n counter but others in v\(revision) do",
                                           location: c.mail.origin, fix: "pass only one series")
                }
                if slots[counter] == nil { slots[counter] = c }
                total = max(total, c.info.expected ?? counter, counter)
            }
        }
        let missing = (1...max(total, 1)).filter { slots[$0] == nil }
        if !missing.isEmpty {
            let have = slots.keys.sorted().map(String.init).joined(separator: ", ")
            throw KGateError.patch(
                "series v\(revision) is incomplete: missing patch\(missing.count == 1 ? "" : "es") "
                    + missing.map { "\($0)/\(total)" }.joined(separator: ", ") + " (have \(have) of \(total))",
                location: source, fix: "fetch the whole thread (lore t.mbox.gz) or add the missing patches")
        }
        let cover = candidates.first { c in
            !c.info.isReply && !c.hasDiff && c.info.counter == 0 && c.info.revision == revision
        }
        let base = cover.flatMap { PatchBody.baseCommit(in: $0.mail.body.components(separatedBy: "\n")) }

        var patches: [Patch] = []
        var slotByID: [String: Int] = [:]
        for i in 1...total {
            guard let c = slots[i] else { continue }
            patches.append(try makePatch(c.mail, info: c.info, index: i, total: total))
            if let id = c.mail.messageID { slotByID[id] = i - 1 }
        }
        let firstBase = slots[1].flatMap { PatchBody.baseCommit(in: $0.mail.body.components(separatedBy: "\n")) }

        // Follow-up trailers from replies, walking up the thread to a patch or the cover.
        let byID = Dictionary(messages.compactMap { m in m.messageID.map { ($0, m) } }, uniquingKeysWith: { a, _ in a })
        let coverID = cover?.mail.messageID
        let used = Set(slotByID.keys).union(coverID.map { [$0] } ?? [])
        for c in candidates {
            let mail = c.mail
            if let id = mail.messageID, used.contains(id) { continue }
            // Other patches and covers (other revisions, resends) carry their own sign-offs, not reviews.
            if !c.info.isReply && (c.hasDiff || c.info.isPatch) { continue }
            let trailers = PatchBody.replyTrailers(mail.body)
            guard !trailers.isEmpty else { continue }
            var parent = mail.parentID
            var seen = Set<String>()
            while let id = parent, seen.insert(id).inserted, seen.count <= 100 {
                if let slot = slotByID[id] { patches[slot].addTrailers(trailers); break }
                if id == coverID { for k in patches.indices { patches[k].addTrailers(trailers) }; break }
                parent = byID[id]?.parentID
            }
        }
        let info = cover?.info ?? slots[1]?.info ?? SubjectInfo()
        return Series(version: revision, isRFC: info.isRFC, isResend: info.isResend, prefixes: info.prefixes,
                      coverSubject: cover.map(\.info.subject), coverMessageID: coverID, patches: patches,
                      baseCommit: base ?? firstBase, source: source)
    }

    static func makePatch(_ mail: MailMessage, info: SubjectInfo, index: Int, total: Int) throws -> Patch {
        let body = PatchBody.split(mail.body)
        guard let author = body.inBodyFrom ?? mail.from, !author.email.isEmpty else {
            throw KGateError.patch("patch \(index)/\(total) '\(info.subject)' has no From: author", location: mail.origin,
                                   fix: "the mail needs a From: header")
        }
        var date = Date(timeIntervalSince1970: 0)
        var offset = 0
        if let inBody = body.inBodyDate, let parsed = MailDate.parse(inBody) {
            (date, offset) = parsed
        } else if let parsed = try mail.date() {
            (date, offset) = parsed
        }
        var subject = info.subject
        if let inBody = body.inBodySubject { subject = SubjectInfo.parse(MIME.decodeEncodedWords(inBody)).subject }
        guard !subject.isEmpty else {
            throw KGateError.patch("patch \(index)/\(total) has an empty subject", location: mail.origin)
        }
        guard !body.diff.isEmpty else {
            throw KGateError.patch("patch \(index)/\(total) '\(subject)' has no diff", location: mail.origin)
        }
        var patch = Patch(index: index, total: total, subject: subject, author: author, date: date,
                          timezoneOffsetMinutes: offset, body: body.message, trailers: [], diff: body.diff,
                          messageID: mail.messageID, files: body.files, patchworkID: nil)
        patch.addTrailers(body.trailers)
        return patch
    }
}
