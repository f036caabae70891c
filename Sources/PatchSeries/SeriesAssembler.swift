import Foundation
import KGateCore

/// Turns the messages of a thread (or a directory of patches) into a
/// `Series`, as b4 does: parse subjects, keep the highest revision, order by
/// `i/n`, slot 0 is the cover letter, rebuild partial re-rolls, check
/// completeness, and attach trailers from replies (FollowUps.swift). A mail's
/// revision and total are what its own subject says (SeriesSlots.swift).
/// Every message left out is named in the series' report.
public enum SeriesAssembler {
    struct Candidate {
        var mail: MailMessage
        var info: SubjectInfo
        var hasDiff: Bool
        var date: Date?
        /// Position in the input: of two equal dates, the later in the input is the later posting.
        var order: Int
        /// A mail with a diff that is not a reply; a pull request carrying a diff is one (as patchwork files it).
        var isPatch: Bool { !info.isReply && hasDiff }
        var isCover: Bool { !info.isReply && !hasDiff && info.counter == 0 && !info.isPullRequest }

        init(mail: MailMessage, order: Int) {
            self.mail = mail
            self.info = SubjectInfo.parse(mail.subject)
            self.hasDiff = PatchBody.hasDiff(mail.body)
            self.date = (try? mail.date())??.0
            self.order = order
        }

        /// Posted after `other`: the newer Date; equal or missing dates, the later in the input.
        func isLater(than other: Candidate) -> Bool {
            let (a, b) = (date ?? .distantPast, other.date ?? .distantPast)
            return a != b ? a > b : order > other.order
        }

        /// What the subject labels: "v2 1/3", "v1" for a patch without a counter.
        var label: String {
            "v\(info.revision)" + (info.counter.map { " \($0)/\(info.labelledTotal ?? $0)" } ?? "")
        }
    }

    typealias Drop = (Int, DroppedMessage.Reason, String) -> Void

    public static func assemble(_ messages: [MailMessage], source: String) throws -> Series {
        var report = SeriesReport()
        let all = messages.enumerated().map { k, mail in Candidate(mail: mail, order: k) }
        var byID: [String: Int] = [:]
        for (k, c) in all.enumerated() { if let id = c.mail.messageID, byID[id] == nil { byID[id] = k } }
        var reported = Set<Int>()
        func drop(_ k: Int, _ reason: DroppedMessage.Reason, _ detail: String) {
            guard reported.insert(k).inserted else { return }
            report.dropped.append(DroppedMessage(reason: reason, subject: all[k].mail.subject, messageID: all[k].mail.messageID,
                                                 origin: all[k].mail.origin, detail: detail))
        }
        for k in all.indices where all[k].info.isPullRequest && !all[k].info.isReply && !all[k].hasDiff {
            drop(k, .pullRequest, "a pull request without a diff: fetch the branch it names with git; kgate applies patches")
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
        let patchIdx = all.indices.filter { all[$0].isPatch }
        // Each mail's own subject says its revision (vN, else 1); the thread never does.
        let revision = patchIdx.map { all[$0].info.revision }.max() ?? 1
        var slots = placeSlots(patchIdx.filter { all[$0].info.revision == revision }, all, revision: revision, drop: drop)
        guard slots.total >= 1 else {
            throw KGateError.patch("the input is not a patch series: no v\(revision) patch has an i/n counter from 1 up",
                                   location: source, fix: "pass the series' patches ([PATCH i/n], i from 1), not only its cover letter slot")
        }
        var replaced: [String: Int] = [:]
        if !slots.missing.isEmpty, let reroll = partialReroll(slots, revision: revision, all: all, byID: byID, patchIdx: patchIdx) {
            for (counter, k) in reroll.carried.sorted(by: { $0.key < $1.key }) {
                slots.byCounter[counter] = k
                report.carried.append(CarriedPatch(index: counter, total: slots.total, fromRevision: revision - 1,
                                                   subject: all[k].mail.subject, messageID: all[k].mail.messageID))
            }
            replaced = reroll.replaced
            report.warnings.append("partial re-roll: v\(revision) re-sends "
                + slots.present.filter { reroll.carried[$0] == nil }.map { "\($0)/\(slots.total)" }.joined(separator: ", ")
                + " in reply to v\(revision - 1); " + report.carried.map { "\($0.index)/\($0.total) <\($0.messageID ?? "?")>" }
                    .joined(separator: ", ") + " carried from v\(revision - 1), as b4 does")
        }
        if !slots.missing.isEmpty {
            let have = slots.present
            throw KGateError.patch(
                "series v\(revision) is incomplete: it has \(have.count) of \(slots.total) patches ("
                    + have.map(String.init).joined(separator: ", ") + "); missing "
                    + slots.missing.map { "\($0)/\(slots.total)" }.joined(separator: ", "),
                location: source, fix: "fetch the whole thread (lore t.mbox.gz) or add the missing patches")
        }
        let total = slots.total
        let coverIdx = findCover(all, revision: revision, slots: slots.byCounter, byID: byID)
        var patches: [Patch] = []
        var slotByID: [String: Int] = [:]
        for i in 1...total {
            guard let k = slots.byCounter[i] else { continue }
            patches.append(try makePatch(all[k], index: i, total: total, report: &report))
            if let id = all[k].mail.messageID { slotByID[id] = i - 1 }
        }
        var used = Set(slots.byCounter.values)
        if let coverIdx { used.insert(coverIdx) }
        for k in all.indices where !used.contains(k) {
            let c = all[k]
            if c.isPatch {
                drop(k, c.info.revision < revision ? .olderRevision : .unrelated,
                     c.info.revision < revision ? "\(c.label), another revision (its own subject says v\(c.info.revision)); the series is v\(revision)"
                                                : "not part of the v\(revision) series")
            } else if c.isCover {
                drop(k, .otherCover, "cover letter of v\(c.info.revision); the series is v\(revision)")
            }
        }
        if let coverIdx, all[coverIdx].info.revision != revision, report.carried.isEmpty {
            report.warnings.append("the cover letter <\(all[coverIdx].mail.messageID ?? "?")> says v\(all[coverIdx].info.revision), "
                + "the patches it heads say v\(revision): the series is v\(revision), as each patch's own subject says")
        }
        let coverID = coverIdx.flatMap { all[$0].mail.messageID }
        FollowUps.attach(all.indices.filter { !used.contains($0) }.map { all[$0] }, to: &patches, slotByID: slotByID,
                         coverID: coverID, replaced: replaced, byID: byID.mapValues { all[$0] }, report: &report)
        let cover = coverIdx.map { all[$0] }
        let base = cover.flatMap { PatchBody.baseCommit(in: $0.mail.body.components(separatedBy: "\n")) }
        let firstBase = slots.byCounter[1].flatMap { PatchBody.baseCommit(in: all[$0].mail.body.components(separatedBy: "\n")) }
        var info = cover?.info ?? slots.byCounter[1].map { all[$0].info } ?? SubjectInfo()
        if cover != nil, info.prefixes.isEmpty, let first = slots.byCounter[1] { info.prefixes = all[first].info.prefixes }
        return Series(version: revision, isRFC: info.isRFC, isResend: info.isResend, prefixes: info.prefixes,
                      coverSubject: cover.map(\.info.subject), coverMessageID: coverID, patches: patches,
                      baseCommit: base ?? firstBase, source: source, report: report)
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
}
