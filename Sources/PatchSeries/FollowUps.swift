import Foundation

/// Trailers from replies (`Reviewed-by:`, `Acked-by:`, `Link:`, `Closes:`,
/// `Fixes:`), attached to the patch a reply answers, or to every patch for a
/// reply to the cover letter, walking up the thread. As b4: the walk ends at
/// the first patch or cover letter it meets, so a review of a patch the series
/// does not hold (another revision, a replaced posting, the N-1 patch a partial
/// re-roll re-posts) reaches no patch; a person trailer whose address and name
/// are not the reply's sender is reported, not applied.
enum FollowUps {
    /// Where a reply's trailers go.
    enum Target: Equatable {
        case patch(slot: Int)
        case cover
        /// A patch or cover letter outside the series, by message-id.
        case outside(String)
    }

    static func attach(_ others: [SeriesAssembler.Candidate], to patches: inout [Patch], slotByID: [String: Int],
                       coverID: String?, replaced: [String: Int], byID: [String: SeriesAssembler.Candidate],
                       report: inout SeriesReport) {
        for c in others {
            // Other patches and covers carry their own sign-offs, not reviews.
            if c.isPatch || c.isCover || (c.info.isPullRequest && !c.info.isReply) { continue }
            // A reply counts by In-Reply-To/References, with or without "Re:".
            let trailers = PatchBody.replyTrailers(c.mail.body)
            guard !trailers.isEmpty, let target = target(of: c.mail, slotByID: slotByID, coverID: coverID, byID: byID)
            else { continue }
            let slot: Int?
            switch target {
            case .patch(let s): slot = s
            case .cover: slot = nil
            case .outside(let id):
                if let counter = replaced[id], patches.indices.contains(counter - 1) {
                    report.warnings.append("not carried to \(patches[counter - 1].label): "
                        + trailers.map { "'\($0.line)'" }.joined(separator: ", ") + " in <\(c.mail.messageID ?? "?")> answers <\(id)>, "
                        + "the older patch this re-roll re-posts: it reviewed other code (b4's partial re-roll rule)")
                }
                continue
            }
            let sender = c.mail.from ?? MailAddress(name: "", email: "")
            var accepted: [Trailer] = []
            for t in trailers {
                if matchesSender(t, sender) {
                    accepted.append(t)
                    continue
                }
                // Already on the patch itself: not new information, not a mismatch.
                let own = slot.map { patches[$0].trailers } ?? []
                if own.contains(where: { $0.dedupeKey == t.dedupeKey }) { continue }
                report.trailerMismatches.append(TrailerMismatch(trailer: t, sender: sender, messageID: c.mail.messageID,
                                                                patchIndex: slot.map { $0 + 1 }))
            }
            if let slot {
                patches[slot].addTrailers(accepted)
            } else {
                for k in patches.indices { patches[k].addTrailers(accepted) }
            }
        }
    }

    /// The patch slot or cover letter a reply belongs to; `.outside` when the walk
    /// up the thread meets another patch or cover first; nil when it meets neither.
    static func target(of mail: MailMessage, slotByID: [String: Int], coverID: String?,
                       byID: [String: SeriesAssembler.Candidate]) -> Target? {
        var parent = mail.parentID
        var seen = Set<String>()
        while let id = parent, seen.insert(id).inserted, seen.count <= 100 {
            if let slot = slotByID[id] { return .patch(slot: slot) }
            if id == coverID { return .cover }
            if let up = byID[id], up.isPatch || up.isCover { return .outside(id) }
            parent = byID[id]?.mail.parentID
        }
        return nil
    }

    /// Utility trailers (links, fixes) always match; a person trailer matches
    /// when its address or its name is the sender's (case-insensitive).
    static func matchesSender(_ t: Trailer, _ sender: MailAddress) -> Bool {
        guard let person = person(in: t) else { return true }
        if !person.email.isEmpty, person.email.lowercased() == sender.email.lowercased() { return true }
        return !person.name.isEmpty && person.name.lowercased() == sender.name.lowercased()
    }

    /// `Name <addr>` or a bare address in a `*-by` trailer; nil for utility trailers.
    static func person(in t: Trailer) -> MailAddress? {
        guard t.name.lowercased().hasSuffix("-by"), !t.value.contains("://"), t.value.contains("@") else { return nil }
        return MailMessage.parseAddress(t.value)
    }
}
