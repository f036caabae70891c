import Foundation
import KGateCore

/// A commit-message trailer (`Reviewed-by: A <a@x>`); a bracketed note
/// inside the trailer block (`[davem: fixed typo]`) has an empty name.
public struct Trailer: Sendable, Codable, Equatable, Hashable {
    public var name: String
    public var value: String
    public init(name: String, value: String) { self.name = name; self.value = value }
    public var line: String { name.isEmpty ? value : "\(name): \(value)" }

    /// Case-insensitive on the name, whitespace-insensitive on the value.
    var dedupeKey: String { name.lowercased() + ":" + MailMessage.collapse(value).lowercased() }

    static let knownNames: Set<String> = ["fixes", "link", "closes", "cc", "bug", "change-id", "message-id"]
}

/// A patch mail's body split like `git mailinfo`: in-body headers, commit
/// message, trailers, the diff.
struct PatchBody {
    var inBodyFrom: MailAddress?
    var inBodyDate: String?
    var inBodySubject: String?
    var message: String
    var trailers: [Trailer]
    var diff: String
    var files: [String]
    var baseCommit: String?

    /// Whether a mail body carries a diff `git am` would take: a git header,
    /// a `---`/`+++` pair, an `Index:` section, or a binary patch.
    static func hasDiff(_ body: String) -> Bool {
        guard body.contains("diff --git ") || body.contains("--- ") || body.contains("GIT binary patch") else { return false }
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return lines.indices.contains { TraditionalDiff.startsFile(lines, at: $0) || lines[$0].hasPrefix("GIT binary patch") }
    }

    static func split(_ body: String) -> PatchBody {
        var lines = body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while let first = lines.first, first.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeFirst() }
        var result = PatchBody(message: "", trailers: [], diff: "", files: [], baseCommit: baseCommit(in: lines))
        // In-body From:/Date:/Subject: (the author differs from the sender).
        if let first = lines.first, inBodyHeader(first) != nil {
            while let line = lines.first, let (name, value) = inBodyHeader(line) {
                switch name {
                case "from": result.inBodyFrom = MailMessage.parseAddress(value)
                case "date": result.inBodyDate = value
                default: result.inBodySubject = value
                }
                lines.removeFirst()
            }
            while let first = lines.first, first.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeFirst() }
        }
        let messageEnd = lines.indices.first { i in
            lines[i].trimmingCharacters(in: .whitespaces) == "---" || TraditionalDiff.startsFile(lines, at: i)
        } ?? lines.count
        var message = Array(lines[..<messageEnd])
        if let diffStart = lines.indices[messageEnd...].first(where: { TraditionalDiff.startsFile(lines, at: $0) }) {
            let (diff, files) = DiffScanner.extract(Array(lines[diffStart...]))
            result.diff = diff
            result.files = files
        }
        while let last = message.last, last.trimmingCharacters(in: .whitespaces).isEmpty { message.removeLast() }
        let (text, trailers) = splitTrailers(message)
        result.message = text.map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
            .joined(separator: "\n")
        result.trailers = trailers
        return result
    }

    private static func inBodyHeader(_ line: String) -> (String, String)? {
        for name in ["From", "Date", "Subject"] where line.hasPrefix(name + ": ") {
            return (name.lowercased(), String(line.dropFirst(name.count + 2)).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    static func baseCommit(in lines: [String]) -> String? {
        for line in lines where line.hasPrefix("base-commit: ") {
            let sha = line.dropFirst("base-commit: ".count).trimmingCharacters(in: .whitespaces)
            if (7...64).contains(sha.count), sha.allSatisfy(\.isHexDigit) { return sha.lowercased() }
        }
        return nil
    }

    /// The last paragraph is the trailer block when every line is a trailer,
    /// a continuation or a bracketed note, and one is a `*-by:` or known trailer.
    static func splitTrailers(_ message: [String]) -> ([String], [Trailer]) {
        guard let blank = message.lastIndex(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) ?? (message.isEmpty ? nil : -1)
        else { return (message, []) }
        let block = Array(message[(blank + 1)...])
        var trailers: [Trailer] = []
        var sawReal = false
        for line in block {
            if let t = trailer(line) {
                trailers.append(t)
                if t.name.lowercased().hasSuffix("-by") || Trailer.knownNames.contains(t.name.lowercased()) { sawReal = true }
            } else if line.hasPrefix("["), line.hasSuffix("]") {
                trailers.append(Trailer(name: "", value: line))
            } else if let c = line.first, c == " " || c == "\t", !trailers.isEmpty {
                trailers[trailers.count - 1].value += "\n" + line
            } else {
                return (message, [])
            }
        }
        guard sawReal else { return (message, []) }
        var text = blank >= 0 ? Array(message[..<blank]) : []
        while let last = text.last, last.trimmingCharacters(in: .whitespaces).isEmpty { text.removeLast() }
        return (text, trailers)
    }

    /// `Token: value` with a token of letters, digits and dashes.
    static func trailer(_ line: String) -> Trailer? {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let name = line[..<colon]
        guard let first = name.first, first.isLetter, first.isASCII, name.count <= 40,
              name.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" }) else { return nil }
        var value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty, line[line.index(after: colon)...].first == " " else { return nil }
        // Mail clients that turned HTML back into text write `<a@x<mailto:a@x>>`.
        if value.contains("<mailto:") {
            value = value.replacingOccurrences(of: "<mailto:[^>]*>", with: "", options: .regularExpression)
        }
        return Trailer(name: String(name), value: value)
    }

    /// Trailers a reply can give a patch, as b4 collects them.
    static let replyNames: Set<String> = ["link", "closes", "fixes"]

    /// `*-by:`, `Link:`, `Closes:`, `Fixes:` lines at line start in a reply
    /// (quoted `> ` lines do not count).
    static func replyTrailers(_ body: String) -> [Trailer] {
        body.split(separator: "\n").compactMap { line in
            guard let t = trailer(String(line)) else { return nil }
            let name = t.name.lowercased()
            return name.hasSuffix("-by") || replyNames.contains(name) ? t : nil
        }
    }
}
