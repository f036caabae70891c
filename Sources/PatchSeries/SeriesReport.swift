import Foundation

/// A message of the input that is not part of the assembled series, and why:
/// kgate never drops a patch silently.
public struct DroppedMessage: Sendable, Codable, Equatable {
    public enum Reason: String, Sendable, Codable {
        /// A patch whose own subject names a lower revision than the one assembled.
        case olderRevision
        /// Another posting of the same label (revision and i/n); the later one was kept.
        case duplicate
        /// A patch of the assembled revision labelled with another total (`1/2` beside `1/3`):
        /// another posting of that revision, never a duplicate.
        case otherTotal
        /// A patch that does not belong to the series (no i/n among numbered patches).
        case unrelated
        /// A cover letter of another revision.
        case otherCover
        /// A `[GIT PULL]` request: not a patch.
        case pullRequest
    }

    public var reason: Reason
    public var subject: String
    public var messageID: String?
    /// Where the message came from (file, mbox position).
    public var origin: String
    /// One sentence for stderr ("superseded by <id>").
    public var detail: String

    public var line: String {
        "dropped '\(subject)'\(messageID.map { " <\($0)>" } ?? ""): \(detail)"
    }
}

/// A follow-up trailer whose address is not the reply's sender: reported,
/// not applied (b4 does the same unless asked to be sloppy).
public struct TrailerMismatch: Sendable, Codable, Equatable {
    public var trailer: Trailer
    /// Who sent the reply.
    public var sender: MailAddress
    public var messageID: String?
    /// The patch it would have gone to (1-based); nil for the cover letter.
    public var patchIndex: Int?

    public var line: String {
        "not applied: '\(trailer.line)' was sent by \(sender.name.isEmpty ? "" : sender.name + " ")<\(sender.email)>"
            + (messageID.map { " in <\($0)>" } ?? "")
    }
}

/// A patch of revision N-1 that fills a slot of a partial re-roll of N (b4's rule).
public struct CarriedPatch: Sendable, Codable, Equatable {
    /// The slot it fills (1-based) and the series length.
    public var index: Int
    public var total: Int
    public var fromRevision: Int
    public var subject: String
    public var messageID: String?
}

/// What assembly noticed besides the series: dropped messages, trailer
/// mismatches, partial re-rolls, resends. Printed on stderr and in `--json`.
public struct SeriesReport: Sendable, Codable, Equatable {
    public var dropped: [DroppedMessage] = []
    /// Patches a partial re-roll took from the revision before (a warning names them too).
    public var carried: [CarriedPatch] = []
    public var trailerMismatches: [TrailerMismatch] = []
    public var warnings: [String] = []
    public init() {}

    public var isEmpty: Bool { dropped.isEmpty && trailerMismatches.isEmpty && warnings.isEmpty }

    /// The lines `kgate series` writes to stderr.
    public var lines: [String] { warnings + dropped.map(\.line) + trailerMismatches.map(\.line) }
}
