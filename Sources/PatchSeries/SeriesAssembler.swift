import Foundation
import KGateCore

/// Turns the messages of a thread (or a directory of patches) into a
/// `Series`, as b4 does: parse subjects, keep the highest revision, order by
/// `i/n`, slot 0 is the cover letter, rebuild partial re-rolls, check
/// completeness, and attach trailers from replies (FollowUps.swift). Every
/// message left out is named in the series' report.
public enum SeriesAssembler {
    struct Candidate {
        var mail: MailMessage
        var info: SubjectInfo
        var hasDiff: Bool
        var date: Date?
        var isPatch: Bool { !info.isReply && hasDiff && !info.isPullRequest }
        var isCover: Bool { !info.isReply && !hasDiff && info.counter == 0 && !info.isPullRequest }
    }

    public static func assemble(_ messages: [MailMessage], source: String) throws -> Series {
        var report = SeriesReport()
        var all = messages.map { mail in
            Candidate(mail: mail, info: SubjectInfo.parse(mail.subject), hasDiff: PatchBody.hasDiff(mail.body),
                      date: (try? mail.date())??.0)
        }
        var byID: [String: Int] = [:]
        for (k, c) in all.enumerated() { if let id = c.mail.messageID, byID[id] == nil { byID[id] = k } }
        var reported = Set<Int>()
        func drop(_ k: Int, _ reason: DroppedMessage.Reason, _ detail: String) {
            guard reported.insert(k).inserted else { return }
            report.dropped.append(DroppedMessage(reason: reason, subject: all[k].mail.subject, messageID: all[k].mail.messageID,
                                                 origin: all[k].mail.origin, detail: detail))
        }
        for k in all.indices where all[k].info.isPullRequest && !all[k].info.isReply {
            drop(k, .pullRequest, "a pull request: fetch the branch it names with git; kgate applies patches")
        }
        guard all.contains(where: \.isPatch) else {
            if let pr = all.first(where: { $0.info.isPullRequest && !$0.info.isReply }) {
                throw KGateError.patch("the input is not a patch series: '\(pr.mail.subject)' is a pull request, not a patch",
                                       location: pr.mail.origin,
                                       fix: "fetch the branch the pull request names (git fetch <url> <tag>) and test that tree")
            }
            throw KGateError.patch("the input is not a patch series: no message has a diff (git, quilt or Index: style) outside replies",
                                   location: source, fix: "pass the series' thread, an mbox of git format-patch mails, or a format-patch directory")
        }
        inheritRevisions(&all, byID: byID)
        let patchIdx = all.indices.filter { all[$0].isPatch }
        let revision = patchIdx.map { all[$0].info.revision }.max() ?? 1
        let chosen = patchIdx.filter { all[$0].info.revision == revision }
        var (slots, total) = slot(chosen, all, drop: drop)
        guard total >= 1 else {
            throw KGateError.patch("the input is not a patch series: no v\(revision) patch has an i/n counter from 1 up",
                                   location: source, fix: "pass the series' patches ([PATCH i/n], i from 1), not only its cover letter slot")
        }
        var missing = (1...max(total, 1)).filter { slots[$0] == nil }
        if !missing.isEmpty, let previous = partialReroll(slots, revision: revision, all: all, byID: byID, patchIdx: patchIdx) {
            for m in missing { slots[m] = previous[m] }
            let filled = missing.map { "\($0)/\(total)" }.joined(separator: ", ")
            report.warnings.append("partial re-roll: v\(revision) re-sends only some patches in reply to v\(revision - 1); "
                + "\(filled) taken from v\(revision - 1), as b4 does")
            missing = (1...max(total, 1)).filter { slots[$0] == nil }
        }
        if !missing.isEmpty {
            let have = slots.keys.filter { $0 >= 1 && $0 <= total }.sorted()
            throw KGateError.patch(
                "series v\(revision) is incomplete: it has \(have.count) of \(total) patches ("
                    + have.map(String.init).joined(separator: ", ") + "); missing "
                    + missing.map { "\($0)/\(total)" }.joined(separator: ", "),
                location: source, fix: "fetch the whole thread (lore t.mbox.gz) or add the missing patches")
        }
        let coverIdx = findCover(all, revision: revision, slots: slots, byID: byID)
        var patches: [Patch] = []
        var slotByID: [String: Int] = [:]
        for i in 1...total {
            guard let k = slots[i] else { continue }
            patches.append(try makePatch(all[k].mail, info: all[k].info, index: i, total: total))
            if let id = all[k].mail.messageID { slotByID[id] = i - 1 }
        }
        var used = Set(slots.values)
        if let coverIdx { used.insert(coverIdx) }
        for k in all.indices where !used.contains(k) {
            let c = all[k]
            if c.isPatch {
                drop(k, c.info.revision < revision ? .olderRevision : .unrelated,
                     c.info.revision < revision ? "v\(c.info.revision); the series is v\(revision)" : "not part of the v\(revision) series")
            } else if c.isCover {
                drop(k, .otherCover, "cover letter of v\(c.info.revision); the series is v\(revision)")
            }
        }
        let coverID = coverIdx.flatMap { all[$0].mail.messageID }
        FollowUps.attach(all.indices.filter { !used.contains($0) }.map { all[$0] }, to: &patches, slotByID: slotByID,
                         coverID: coverID, byID: byID.compactMapValues { all[$0].mail }, report: &report)
        let cover = coverIdx.map { all[$0] }
        let base = cover.flatMap { PatchBody.baseCommit(in: $0.mail.body.components(separatedBy: "\n")) }
        let firstBase = slots[1].flatMap { PatchBody.baseCommit(in: all[$0].mail.body.components(separatedBy: "\n")) }
        var info = cover?.info ?? slots[1].map { all[$0].info } ?? SubjectInfo()
        if cover != nil, info.prefixes.isEmpty, let first = slots[1] { info.prefixes = all[first].info.prefixes }
        return Series(version: revision, isRFC: info.isRFC, isResend: info.isResend, prefixes: info.prefixes,
                      coverSubject: cover.map(\.info.subject), coverMessageID: coverID, patches: patches,
                      baseCommit: base ?? firstBase, source: source, report: report)
    }

    /// An unversioned patch answering a versioned cover letter (or a versioned
    /// 1/n) takes its revision: `[PATCH 0/2 v3]` then `[PATCH 1/2]` is v3.
    static func inheritRevisions(_ all: inout [Candidate], byID: [String: Int]) {
        for _ in 0..<2 {
            for k in all.indices where all[k].isPatch && !all[k].info.hasRevision {
                guard let pid = all[k].mail.inReplyTo, let p = byID[pid], p != k else { continue }
                let parent = all[p]
                let coverLike = !parent.hasDiff && !parent.info.isReply && parent.info.isPatch
                let firstPatch = parent.isPatch && parent.info.counter == 1 && (all[k].info.counter ?? 0) > 1
                if parent.info.hasRevision && (coverLike || firstPatch) {
                    all[k].info.revision = parent.info.revision
                    all[k].info.hasRevision = true
                }
            }
        }
    }

    /// Slots by counter (a lone `[PATCH]` is 1/1; without counters, mbox
    /// order). A second posting of a slot: the newer Date wins (ties keep the first).
    static func slot(_ chosen: [Int], _ all: [Candidate],
                     drop: (Int, DroppedMessage.Reason, String) -> Void) -> ([Int: Int], Int) {
        var slots: [Int: Int] = [:]
        func place(_ k: Int, at key: Int, label: String) {
            guard let prev = slots[key] else { slots[key] = k; return }
            let newer = (all[k].date ?? .distantPast) > (all[prev].date ?? .distantPast)
            let (kept, lost) = newer ? (k, prev) : (prev, k)
            slots[key] = kept
            drop(lost, .duplicate, "another posting of \(label); the \(newer ? "newer" : "first") one, <\(all[kept].mail.messageID ?? "?")>"
                 + " '\(all[kept].mail.subject)', is used")
        }
        if chosen.allSatisfy({ all[$0].info.counter == nil }) {
            // Unnumbered: a resend carries the same subject.
            var bySubject: [String: Int] = [:]
            for k in chosen {
                let key = all[k].info.subject.lowercased()
                place(k, at: bySubject[key] ?? (slots.count + 1), label: "'\(all[k].info.subject)'")
                if bySubject[key] == nil { bySubject[key] = slots.count }
            }
            return (slots, slots.count)
        }
        var total = 0
        for k in chosen {
            guard let counter = all[k].info.counter, counter >= 1 else {
                drop(k, .unrelated, "no i/n counter, but the other v\(all[k].info.revision) patches have one")
                continue
            }
            let expected = all[k].info.expected ?? counter
            place(k, at: counter, label: "\(counter)/\(expected)")
            total = max(total, expected, counter)
        }
        return (slots, total)
    }

    /// The cover letter: `[PATCH 0/n]` of the revision, else the message the
    /// patches answer when it has a diffstat or is the same author's thread root (b4).
    static func findCover(_ all: [Candidate], revision: Int, slots: [Int: Int], byID: [String: Int]) -> Int? {
        if let k = all.indices.first(where: { all[$0].isCover && all[$0].info.revision == revision }) { return k }
        for i in slots.keys.sorted() {
            guard let k = slots[i], let pid = all[k].mail.inReplyTo, let p = byID[pid] else { continue }
            let parent = all[p]
            guard !parent.hasDiff, !parent.info.isReply, !parent.info.isPullRequest else { continue }
            let diffstat = parent.mail.body.range(of: #"(?m)^\s*\d+ files? changed"#, options: .regularExpression) != nil
            let sameAuthorRoot = parent.mail.parentID == nil
                && parent.mail.from?.email.lowercased() == all[k].mail.from?.email.lowercased()
            if diffstat || sameAuthorRoot { return p }
        }
        return nil
    }

    /// b4's partial re-roll: every patch of revision N answers the patch of
    /// revision N-1 with the same i/n (directly or up the thread); the missing
    /// slots come from N-1. Returns N-1's slots, or nil when it does not qualify.
    static func partialReroll(_ slots: [Int: Int], revision: Int, all: [Candidate], byID: [String: Int],
                              patchIdx: [Int]) -> [Int: Int]? {
        guard revision > 1 else { return nil }
        for k in slots.values {
            var parent = all[k].mail.inReplyTo
            var found = false
            var hops = 0
            while let id = parent, let p = byID[id], hops < 100 {
                hops += 1
                if all[p].isPatch, all[p].info.revision < revision, all[p].info.counter == all[k].info.counter,
                   all[p].info.expected == all[k].info.expected { found = true; break }
                parent = all[p].mail.inReplyTo
            }
            if !found { return nil }
        }
        let previous = patchIdx.filter { all[$0].info.revision == revision - 1 }
        let (prevSlots, _) = slot(previous, all, drop: { _, _, _ in })
        return prevSlots.isEmpty ? nil : prevSlots
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
            throw KGateError.patch("patch \(index)/\(total) has an empty subject", location: mail.origin,
                                   fix: "the patch needs a subject line (git format-patch writes one)")
        }
        guard !body.diff.isEmpty else {
            throw KGateError.patch("patch \(index)/\(total) '\(subject)' has no diff", location: mail.origin,
                                   fix: "send the patch inline (git format-patch, git send-email)")
        }
        var patch = Patch(index: index, total: total, subject: subject, author: author, date: date,
                          timezoneOffsetMinutes: offset, body: body.message, trailers: [], diff: body.diff,
                          messageID: mail.messageID, files: body.files, patchworkID: nil)
        patch.addTrailers(body.trailers)
        return patch
    }
}
