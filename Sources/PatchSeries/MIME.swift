import Foundation
import KGateCore

/// MIME decoding primitives: RFC 2047 encoded words, quoted-printable,
/// base64, charsets, Content-Type parameters.
enum MIME {
    /// Decodes RFC 2047 encoded words (`=?charset?B|Q?text?=`). Whitespace
    /// between two adjacent encoded words is dropped, as the RFC requires.
    static func decodeEncodedWords(_ input: String) -> String {
        guard input.contains("=?") else { return input }
        let chars = Array(input)
        var out = ""
        var pendingSpace = ""
        var lastWasEncoded = false
        var i = 0
        while i < chars.count {
            if chars[i] == "=", i + 1 < chars.count, chars[i + 1] == "?", let (decoded, next) = encodedWord(chars, at: i) {
                if !lastWasEncoded { out += pendingSpace }
                pendingSpace = ""
                out += decoded
                lastWasEncoded = true
                i = next
                continue
            }
            let c = chars[i]
            if c == " " || c == "\t" || c == "\n" || c == "\r" {
                pendingSpace.append(c)
            } else {
                out += pendingSpace
                pendingSpace = ""
                out.append(c)
                lastWasEncoded = false
            }
            i += 1
        }
        return out + pendingSpace
    }

    /// Parses one encoded word starting at `start` ("=?"); returns the text and the index after "?=".
    private static func encodedWord(_ chars: [Character], at start: Int) -> (String, Int)? {
        var i = start + 2
        var charset = ""
        while i < chars.count, chars[i] != "?" {
            if chars[i].isWhitespace || charset.count > 40 { return nil }
            charset.append(chars[i]); i += 1
        }
        guard i + 2 < chars.count, !charset.isEmpty, chars[i + 2] == "?" else { return nil }
        let encoding = chars[i + 1].lowercased()
        guard encoding == "b" || encoding == "q" else { return nil }
        i += 3
        var text = ""
        while i + 1 < chars.count, !(chars[i] == "?" && chars[i + 1] == "=") {
            if chars[i].isWhitespace || text.count > 2000 { return nil }
            text.append(chars[i]); i += 1
        }
        guard i + 1 < chars.count else { return nil }
        let bytes: [UInt8]
        if encoding == "b" {
            guard let decoded = decodeBase64(Array(text.utf8)) else { return nil }
            bytes = decoded
        } else {
            bytes = decodeQuotedPrintable(Array(text.utf8), underscoreIsSpace: true)
        }
        // RFC 2231 language suffix: "utf-8*en".
        let name = charset.split(separator: "*").first.map(String.init) ?? charset
        return (decodeCharset(bytes, charset: name), i + 2)
    }

    /// Quoted-printable: `=XX` escapes and `=` soft line breaks; a malformed
    /// escape is kept literally (as mail readers do).
    static func decodeQuotedPrintable(_ input: [UInt8], underscoreIsSpace: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var i = 0
        while i < input.count {
            let b = input[i]
            if b == UInt8(ascii: "=") {
                if i + 1 < input.count, input[i + 1] == UInt8(ascii: "\n") { i += 2; continue }
                if i + 2 < input.count, input[i + 1] == UInt8(ascii: "\r"), input[i + 2] == UInt8(ascii: "\n") { i += 3; continue }
                if i + 2 < input.count, let h = hexValue(input[i + 1]), let l = hexValue(input[i + 2]) {
                    out.append(h << 4 | l); i += 3; continue
                }
                // "=" followed by trailing whitespace then newline is also a soft break.
                var j = i + 1
                while j < input.count, input[j] == UInt8(ascii: " ") || input[j] == UInt8(ascii: "\t") { j += 1 }
                if j > i + 1, j < input.count, input[j] == UInt8(ascii: "\n") { i = j + 1; continue }
                out.append(b); i += 1; continue
            }
            out.append(underscoreIsSpace && b == UInt8(ascii: "_") ? UInt8(ascii: " ") : b)
            i += 1
        }
        return out
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        default: return nil
        }
    }

    /// Base64 ignoring whitespace; tolerates missing padding. nil on bad characters.
    static func decodeBase64(_ input: [UInt8]) -> [UInt8]? {
        var clean = input.filter { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0a || $0 == 0x0d) }
        while let last = clean.last, last == UInt8(ascii: "=") { clean.removeLast() }
        let pad = (4 - clean.count % 4) % 4
        if pad == 3 { return nil }
        clean.append(contentsOf: [UInt8](repeating: UInt8(ascii: "="), count: pad))
        guard let data = Data(base64Encoded: Data(clean)) else { return nil }
        return [UInt8](data)
    }

    /// Text from bytes in `charset`: UTF-8 (default), US-ASCII, ISO-8859-1
    /// (and Windows-1252). Invalid UTF-8 falls back to Latin-1, which maps
    /// every byte, so no input is lost.
    static func decodeCharset(_ bytes: [UInt8], charset: String?) -> String {
        let name = (charset ?? "utf-8").lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
        switch name {
        case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "iso_8859-1", "iso-8859-15", "iso8859-15":
            return latin1(bytes)
        case "windows-1252", "cp1252":
            return String(data: Data(bytes), encoding: .windowsCP1252) ?? latin1(bytes)
        default:
            if let s = String(validating: bytes, as: UTF8.self) { return s }
            return latin1(bytes)
        }
    }

    static func latin1(_ bytes: [UInt8]) -> String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return String(s)
    }

    /// "text/plain; charset=\"utf-8\"; format=flowed" → ("text/plain", ["charset": "utf-8", ...]).
    static func parseContentType(_ value: String?) -> (type: String, params: [String: String]) {
        guard let value, !value.isEmpty else { return ("text/plain", [:]) }
        var parts: [String] = []
        var current = ""
        var inQuote = false
        for c in value {
            if c == "\"" { inQuote.toggle(); current.append(c) } else if c == ";" && !inQuote { parts.append(current); current = "" } else { current.append(c) }
        }
        parts.append(current)
        let type = parts[0].trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        var params: [String: String] = [:]
        for p in parts.dropFirst() {
            guard let eq = p.firstIndex(of: "=") else { continue }
            let key = p[..<eq].trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            var val = p[p.index(after: eq)...].trimmingCharacters(in: .whitespacesAndNewlines)
            if val.count >= 2, val.hasPrefix("\""), val.hasSuffix("\"") {
                val = String(val.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
            }
            params[key] = val
        }
        return (type.isEmpty ? "text/plain" : type, params)
    }
}
