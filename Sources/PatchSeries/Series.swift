import Foundation
import KGateCore

/// One patch of a series, ready to apply.
public struct Patch: Sendable, Codable, Equatable {
    /// 1-based position and series length (`i/n`).
    public var index: Int
    public var total: Int
    /// The subject without `Re:`/bracket prefixes.
    public var subject: String
    public var author: MailAddress
    public var date: Date
    /// Minutes east of UTC from the Date header.
    public var timezoneOffsetMinutes: Int
    /// The commit message body: no subject, no trailers, no `---` notes.
    public var body: String
    /// The patch's own trailers, then those from replies, deduplicated.
    public var trailers: [Trailer]
    /// The diff from the first `diff --git` line, signature and base-commit lines cut.
    public var diff: String
    public var messageID: String?
    /// Paths the diff touches, in diff order.
    public var files: [String]
    /// The patch id on patchwork, when the series came from patchwork.
    public var patchworkID: Int?
    /// A pull request that carries a diff (taken as a patch, as patchwork does):
    /// the repository and branch or tag it asks to pull.
    public var pullURL: String? = nil

    /// Subject, body and trailers as `git am` would commit them.
    public var commitMessage: String {
        var parts = [subject]
        if !body.isEmpty { parts.append(body) }
        if !trailers.isEmpty { parts.append(trailers.map(\.line).joined(separator: "\n")) }
        return parts.joined(separator: "\n\n") + "\n"
    }

    /// How errors name the patch: "2/10 'tcp: fix foo'".
    public var label: String { "\(index)/\(total) '\(subject)'" }

    mutating func addTrailers(_ new: [Trailer]) {
        var seen = Set(trailers.map(\.dedupeKey))
        for t in new where seen.insert(t.dedupeKey).inserted { trailers.append(t) }
    }
}

/// An assembled series: one revision, patches in order, complete.
public struct Series: Sendable, Codable, Equatable {
    public let version: Int
    public let isRFC: Bool
    public let isResend: Bool
    /// Bracket words other than PATCH/RFC/RESEND/vN/i/n: the tree ("net-next").
    public let prefixes: [String]
    public let coverSubject: String?
    public let coverMessageID: String?
    public let patches: [Patch]
    /// From `base-commit:` in the cover letter or the first patch.
    public let baseCommit: String?
    /// Where the series came from (path, lore URL, patchwork URL).
    public let source: String
    /// KCIDB `patchset_hash`: sha256 over each patch diff's sha256 hex digest plus "\n", in order.
    public let patchsetHash: String
    /// Dropped messages, trailer mismatches, warnings.
    public let report: SeriesReport

    public init(version: Int, isRFC: Bool, isResend: Bool, prefixes: [String], coverSubject: String?,
                coverMessageID: String?, patches: [Patch], baseCommit: String?, source: String,
                report: SeriesReport = SeriesReport()) {
        self.report = report
        self.version = version
        self.isRFC = isRFC
        self.isResend = isResend
        self.prefixes = prefixes
        self.coverSubject = coverSubject
        self.coverMessageID = coverMessageID
        self.patches = patches
        self.baseCommit = baseCommit
        self.source = source
        self.patchsetHash = Series.patchsetHash(diffs: patches.map(\.diff))
    }

    public static func patchsetHash(diffs: [String]) -> String {
        guard !diffs.isEmpty else { return "" }
        return Digest.sha256Hex(diffs.map { Digest.sha256Hex($0) + "\n" }.joined())
    }

    /// The patches as KernelTree applies them, in order.
    public func patchesToApply() -> [PatchToApply] {
        patches.map { p in
            PatchToApply(label: p.label, authorName: p.author.name, authorEmail: p.author.email, date: p.date,
                         timezoneOffsetMinutes: p.timezoneOffsetMinutes, message: p.commitMessage, diff: p.diff)
        }
    }

    /// The default ref name under `refs/kgate/`: `series/<first 12 of patchsetHash>`.
    public var defaultRefName: String { "series/" + String(patchsetHash.prefix(12)) }

    /// Human summary, one line per patch.
    public func summary() -> String {
        var tags = isRFC ? ["RFC"] : []
        if isResend { tags.append("RESEND") }
        tags += prefixes
        var lines = ["series v\(version)\(tags.isEmpty ? "" : " [" + tags.joined(separator: " ") + "]"): "
            + "\(patches.count) patch\(patches.count == 1 ? "" : "es")"
            + (coverSubject.map { " — \($0)" } ?? "")]
        lines.append("source: \(source)")
        lines.append("base-commit: \(baseCommit ?? "(none)")")
        lines.append("patchset-hash: \(patchsetHash)")
        for p in patches {
            lines.append("  \(p.index)/\(p.total) \(p.subject)")
            lines.append("      \(p.author.name) <\(p.author.email)>, \(p.files.count) file\(p.files.count == 1 ? "" : "s"): "
                + p.files.prefix(6).joined(separator: " ") + (p.files.count > 6 ? " …" : ""))
            if let pull = p.pullURL { lines.append("      pull: \(pull)") }
            for t in p.trailers where t.name.lowercased().hasSuffix("-by") && t.name.lowercased() != "signed-off-by" {
                lines.append("      \(t.line)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// JSON for `kgate series show --json` (sorted keys, ISO 8601 dates).
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }
}
