import Foundation
import KGateCore

/// A mail address with its display name.
public struct MailAddress: Sendable, Codable, Equatable {
    public var name: String
    public var email: String
    public init(name: String, email: String) { self.name = name; self.email = email }
}

/// One header field (name as written, value unfolded but not decoded).
public struct MailHeader: Sendable, Equatable {
    public var name: String
    public var value: String
}

/// One parsed RFC 2822 message: headers, decoded text body, and the fields
/// series assembly needs.
public struct MailMessage: Sendable {
    public var headers: [MailHeader]
    /// The text content: every text/plain, text/x-patch and text/x-diff part
    /// (and .patch/.diff attachments), transfer- and charset-decoded, LF line ends.
    public var body: String
    /// Position in its mbox (0-based), for deterministic ordering.
    public var index: Int
    /// Where it came from ("series.mbox message 3").
    public var origin: String

    public static let maxHeaderLines = 5000
    public static let maxMimeDepth = 8
    public static let maxParts = 200

    /// The first header named `name` (case-insensitive), unfolded.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Subject with encoded words decoded and whitespace runs collapsed.
    public var subject: String { MailMessage.collapse(MIME.decodeEncodedWords(header("Subject") ?? "")) }

    public var from: MailAddress? { header("From").map(MailMessage.parseAddress) }

    public var messageID: String? { header("Message-ID").flatMap { MailMessage.messageIDs(in: $0).first } }

    public var inReplyTo: String? { header("In-Reply-To").flatMap { MailMessage.messageIDs(in: $0).first } }

    public var references: [String] { header("References").map(MailMessage.messageIDs) ?? [] }

    /// The thread parent: In-Reply-To, else the last of References.
    public var parentID: String? { inReplyTo ?? references.last }

    /// The Date header as (instant, minutes east of UTC); nil when absent.
    public func date() throws -> (Date, Int)? {
        guard let raw = header("Date") else { return nil }
        guard let parsed = MailDate.parse(raw) else {
            throw KGateError.usage("unparsable Date header '\(raw.prefix(80))'", location: origin,
                                   fix: "the mail must carry an RFC 2822 date (e.g. 'Tue, 4 Jun 2024 10:00:00 +0200')")
        }
        return parsed
    }

    static func collapse(_ s: String) -> String {
        s.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }

    /// All `<id>` tokens in a header, without the angle brackets. A bare id without brackets is accepted too.
    static func messageIDs(in value: String) -> [String] {
        var ids: [String] = []
        var rest = Substring(value)
        while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
            let id = rest[rest.index(after: open)..<close].trimmingCharacters(in: .whitespacesAndNewlines)
            if !id.isEmpty { ids.append(id) }
            rest = rest[rest.index(after: close)...]
        }
        if ids.isEmpty {
            let bare = value.trimmingCharacters(in: .whitespacesAndNewlines)
            if !bare.isEmpty, !bare.contains(" "), bare.contains("@") { ids.append(bare) }
        }
        return ids
    }

    /// `"Doe, John" <j@x>`, `=?UTF-8?q?J=C3=B6rg?= <j@x>`, `j@x (John)`, `j@x`.
    static func parseAddress(_ raw: String) -> MailAddress {
        let value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if let open = value.lastIndex(of: "<"), let close = value[open...].firstIndex(of: ">") {
            let email = value[value.index(after: open)..<close].trimmingCharacters(in: .whitespaces)
            return MailAddress(name: displayName(String(value[..<open])), email: email)
        }
        if let open = value.firstIndex(of: "("), let close = value.lastIndex(of: ")"), open < close {
            let email = value[..<open].trimmingCharacters(in: .whitespaces)
            return MailAddress(name: displayName(String(value[value.index(after: open)..<close])), email: email)
        }
        return MailAddress(name: "", email: value)
    }

    private static func displayName(_ raw: String) -> String {
        var s = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if s.count >= 2, s.hasPrefix("\""), s.hasSuffix("\"") {
            var out = ""
            var escaped = false
            for c in s.dropFirst().dropLast() {
                if escaped { out.append(c); escaped = false } else if c == "\\" { escaped = true } else { out.append(c) }
            }
            s = out
        }
        return collapse(MIME.decodeEncodedWords(s))
    }
}

extension MailMessage {
    /// Parses one message (bytes with LF or CRLF line ends).
    public static func parse(_ bytes: ArraySlice<UInt8>, index: Int = 0, origin: String) throws -> MailMessage {
        let (headers, bodyStart) = try parseHeaders(bytes, origin: origin)
        let body = bytes[bodyStart...]
        var parts = 0
        let texts = try textParts(headers: headers, body: body, depth: 0, parts: &parts, origin: origin)
        return MailMessage(headers: headers, body: texts.joined(separator: "\n"), index: index, origin: origin)
    }

    /// Header fields up to the first empty line; returns them and where the body starts.
    static func parseHeaders(_ bytes: ArraySlice<UInt8>, origin: String) throws -> ([MailHeader], Int) {
        var headers: [MailHeader] = []
        var pos = bytes.startIndex
        var lines = 0
        while pos < bytes.endIndex {
            let end = bytes[pos...].firstIndex(of: 0x0a) ?? bytes.endIndex
            var line = bytes[pos..<end]
            if line.last == 0x0d { line = line.dropLast() }
            let next = end < bytes.endIndex ? end + 1 : end
            if line.isEmpty { return (headers, next) }
            lines += 1
            if lines > maxHeaderLines {
                throw KGateError.usage("mail header has more than \(maxHeaderLines) lines", location: origin,
                                       fix: "this is not a mail git format-patch wrote; pass the patch mails themselves")
            }
            let text = headerText(line)
            if line.first == 0x20 || line.first == 0x09 {
                guard !headers.isEmpty else {
                    throw KGateError(.input, "mail starts with a continuation line", location: origin,
                                           fix: "this is not an RFC 2822 message", excerpt: String(text.prefix(120)))
                }
                headers[headers.count - 1].value += "\n" + text
            } else {
                guard let colon = text.firstIndex(of: ":"), colon != text.startIndex,
                      text[..<colon].allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != ":" }) else {
                    throw KGateError(.input, "malformed mail header line", location: origin,
                                           fix: "this is not an RFC 2822 message (is it a raw diff? use git format-patch)",
                                           excerpt: String(text.prefix(120)))
                }
                let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                headers.append(MailHeader(name: String(text[..<colon]), value: value))
            }
            pos = next
        }
        return (headers, bytes.endIndex)
    }

    /// Raw 8-bit headers: UTF-8 when valid, else Latin-1.
    private static func headerText(_ line: ArraySlice<UInt8>) -> String {
        String(validating: line, as: UTF8.self) ?? MIME.latin1(Array(line))
    }

    private static func textParts(headers: [MailHeader], body: ArraySlice<UInt8>, depth: Int, parts: inout Int,
                                  origin: String) throws -> [String] {
        func field(_ name: String) -> String? {
            headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
        parts += 1
        guard parts <= maxParts else { throw KGateError.usage("mail has more than \(maxParts) MIME parts", location: origin,
                                                          fix: "send the patches inline, one mail per patch") }
        let (type, params) = MIME.parseContentType(field("Content-Type"))
        if type.hasPrefix("multipart/") {
            guard depth < maxMimeDepth else {
                throw KGateError.usage("MIME nesting deeper than \(maxMimeDepth)", location: origin,
                                       fix: "send the patches inline, one mail per patch")
            }
            guard let boundary = params["boundary"], !boundary.isEmpty else {
                throw KGateError(.input, "multipart mail without a boundary parameter", location: origin,
                                       fix: "the mail is corrupt; fetch it again or save it as raw mail", excerpt: field("Content-Type"))
            }
            var texts: [String] = []
            for part in splitMultipart(body, boundary: boundary) {
                let (partHeaders, start) = try parseHeaders(part, origin: origin)
                texts += try textParts(headers: partHeaders, body: part[start...], depth: depth + 1, parts: &parts, origin: origin)
            }
            return texts
        }
        let disposition = MIME.parseContentType(field("Content-Disposition"))
        let filename = (disposition.params["filename"] ?? params["name"] ?? "").lowercased()
        let isText = ["text/plain", "text/x-patch", "text/x-diff", "text/x-log"].contains(type)
        let isPatchFile = filename.hasSuffix(".patch") || filename.hasSuffix(".diff")
        guard isText || isPatchFile else { return [] }
        let cte = (field("Content-Transfer-Encoding") ?? "7bit").trimmingCharacters(in: .whitespaces).lowercased()
        var bytes: [UInt8]
        switch cte {
        case "quoted-printable":
            bytes = MIME.decodeQuotedPrintable(Array(body))
        case "base64":
            guard let decoded = MIME.decodeBase64(Array(body)) else {
                throw KGateError.usage("invalid base64 body", location: origin, fix: "the mail is corrupt; fetch it again")
            }
            bytes = decoded
        default:
            bytes = Array(body)
        }
        bytes = stripCR(bytes)
        return [MIME.decodeCharset(bytes, charset: params["charset"])]
    }

    /// The parts between `--boundary` lines (preamble and epilogue dropped).
    static func splitMultipart(_ body: ArraySlice<UInt8>, boundary: String) -> [ArraySlice<UInt8>] {
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [ArraySlice<UInt8>] = []
        var partStart: Int?
        var pos = body.startIndex
        while pos < body.endIndex {
            let end = body[pos...].firstIndex(of: 0x0a) ?? body.endIndex
            var line = body[pos..<end]
            if line.last == 0x0d { line = line.dropLast() }
            while let last = line.last, last == 0x20 || last == 0x09 { line = line.dropLast() }
            if line.starts(with: delimiter) {
                let rest = line.dropFirst(delimiter.count)
                if rest.isEmpty || rest.elementsEqual("--".utf8) {
                    if let start = partStart {
                        // The line break before the delimiter belongs to the delimiter.
                        var stop = pos
                        if stop > start, body[stop - 1] == 0x0a { stop -= 1 }
                        if stop > start, body[stop - 1] == 0x0d { stop -= 1 }
                        parts.append(body[start..<stop])
                    }
                    if !rest.isEmpty { return parts }
                    partStart = end < body.endIndex ? end + 1 : end
                }
            }
            pos = end < body.endIndex ? end + 1 : end
        }
        if let start = partStart, start < body.endIndex { parts.append(body[start...]) }
        return parts
    }

    static func stripCR(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(0x0d) else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for (i, b) in bytes.enumerated() where !(b == 0x0d && i + 1 < bytes.count && bytes[i + 1] == 0x0a) {
            out.append(b)
        }
        return out
    }
}
