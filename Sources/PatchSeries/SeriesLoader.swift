import Foundation
import HTTPClient
import KGateCore

/// A patchwork series to fetch: `<baseURL>/api/1.1/series/<id>/`.
public struct PatchworkSeriesRef: Sendable, Equatable {
    public var baseURL: String
    public var seriesID: Int
    public init(baseURL: String, seriesID: Int) { self.baseURL = baseURL; self.seriesID = seriesID }
}

/// Loads a series from a path (mbox, .patch/.eml, format-patch directory),
/// a lore message-id, or a patchwork series.
public struct SeriesLoader: Sendable {
    public static let defaultLoreURL = "https://lore.kernel.org/all"

    public struct Limits: Sendable {
        public var maxMboxBytes = 64 << 20
        public var maxMessages = 10_000
        public init() {}
    }

    public var loreURL: String
    public var limits: Limits
    /// mboxrd (lore, public-inbox) unescapes `>+From `; mboxo only `>From `.
    public var mboxFormat: MboxFormat
    public var http: HTTPClient?

    public init(loreURL: String = SeriesLoader.defaultLoreURL, limits: Limits = Limits(),
                mboxFormat: MboxFormat = .mboxrd, http: HTTPClient? = nil) {
        self.loreURL = loreURL; self.limits = limits; self.mboxFormat = mboxFormat; self.http = http
    }

    /// One-call form: `source` is a path or a message-id; `patchwork` wins when given.
    public static func load(source: String?, loreURL: String = defaultLoreURL,
                            patchwork: PatchworkSeriesRef? = nil) throws -> Series {
        try SeriesLoader(loreURL: loreURL).load(source: source, patchwork: patchwork)
    }

    public func load(source: String?, patchwork: PatchworkSeriesRef? = nil) throws -> Series {
        if let patchwork { return try loadPatchwork(patchwork) }
        guard let source, !source.isEmpty else {
            throw KGateError.usage("no series given", fix: "pass a path, a message-id, or --patchwork URL --series ID")
        }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: source, isDirectory: &isDir) {
            let url = URL(fileURLWithPath: source)
            return isDir.boolValue ? try loadDirectory(url) : try loadFile(url)
        }
        if source.contains("@") && !source.contains("/") || source.hasPrefix("<") {
            return try loadLore(messageID: source)
        }
        throw KGateError.usage("'\(source)' is neither a file, a directory nor a message-id", location: source,
                               fix: "check the path, or pass a message-id like <20240101.1234-1-a@b.c>")
    }

    /// An mbox or a single mail.
    public func loadFile(_ url: URL) throws -> Series {
        let data = try readBoundedFile(url, limit: limits.maxMboxBytes, what: "mbox")
        return try assemble(parse(data, origin: url.path), source: url.path)
    }

    /// A `git format-patch` directory: `*.patch` in name order (0000-cover-letter.patch first).
    public func loadDirectory(_ url: URL) throws -> Series {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".patch") }.sorted()
        } catch {
            throw KGateError.usage("cannot list \(url.path)", location: url.path, fix: "check the directory's permissions",
                                   cause: error)
        }
        guard !names.isEmpty else {
            throw KGateError.usage("no *.patch files in \(url.path)", location: url.path, fix: "run git format-patch -o \(url.path)")
        }
        guard names.count <= limits.maxMessages else {
            throw KGateError.usage("\(url.path) has more than \(limits.maxMessages) patches", location: url.path,
                                   fix: "split the series")
        }
        var messages: [MailMessage] = []
        var total = 0
        for name in names {
            let file = url.appendingPathComponent(name)
            let data = try readBoundedFile(file, limit: limits.maxMboxBytes, what: "patch file")
            total += data.count
            guard total <= limits.maxMboxBytes else {
                throw KGateError.usage("\(url.path) holds more than \(limits.maxMboxBytes) bytes of patches", location: url.path,
                                       fix: "split the series")
            }
            for m in try parse(data, origin: file.path) {
                var m = m
                m.index = messages.count
                messages.append(m)
            }
        }
        return try assemble(messages, source: url.path)
    }

    /// The thread from lore: `<loreURL>/<msgid>/t.mbox.gz`.
    public func loadLore(messageID raw: String) throws -> Series {
        let url = try SeriesLoader.loreThreadURL(messageID: raw, loreURL: loreURL)
        Console.shared.status("series: fetching \(url)")
        let client = try http ?? HTTPClient()
        let gz = try client.get(url).body
        let data = try Gzip.decompress(gz, limit: limits.maxMboxBytes, source: url)
        return try assemble(parse(data, origin: url), source: url)
    }

    /// Validates a message-id (with or without <>) and builds the lore thread URL.
    public static func loreThreadURL(messageID raw: String, loreURL: String) throws -> String {
        var id = raw.trimmingCharacters(in: .whitespaces)
        if id.hasPrefix("<") && id.hasSuffix(">") { id = String(id.dropFirst().dropLast()) }
        guard !id.isEmpty, id.count <= 500, id.contains("@"),
              id.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f && $0 != "<" && $0 != ">" }),
              !id.hasPrefix("."), id != "..", !id.contains("/../") else {
            throw KGateError.usage("invalid message-id '\(raw.prefix(120))'", location: raw,
                                   fix: "a message-id is printable ASCII with an '@', e.g. 20240101120000.1-1-a@example.org")
        }
        guard let base = URL(string: loreURL), let scheme = base.scheme, ["http", "https"].contains(scheme) else {
            throw KGateError.usage("invalid lore URL '\(loreURL)'", location: loreURL, fix: "e.g. https://lore.kernel.org/all")
        }
        // public-inbox's mid_escape: keep unreserved and sub-delims, escape the rest ("/" → %2F).
        var allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        allowed.insert(charactersIn: "-._~!$&'()*+,;=:@")
        guard let escaped = id.addingPercentEncoding(withAllowedCharacters: allowed) else {
            throw KGateError.usage("cannot escape message-id '\(id)'", location: raw, fix: "pass the message-id as lore shows it")
        }
        let trimmed = loreURL.hasSuffix("/") ? String(loreURL.dropLast()) : loreURL
        return "\(trimmed)/\(escaped)/t.mbox.gz"
    }

    /// `<base>/api/1.1/series/<id>/` → its `mbox` link → the series.
    public func loadPatchwork(_ ref: PatchworkSeriesRef) throws -> Series {
        guard ref.seriesID > 0 else { throw KGateError.usage("invalid patchwork series id \(ref.seriesID)", fix: "pass the numeric series id patchwork shows") }
        let base = try PatchworkClient.normalizedBase(ref.baseURL)
        let apiURL = "\(base)/api/1.1/series/\(ref.seriesID)/"
        let client = try http ?? HTTPClient()
        Console.shared.status("series: fetching \(apiURL)")
        let json = try client.get(apiURL, headers: ["Accept": "application/json"]).body
        struct PWSeries: Decodable {
            struct PWPatch: Decodable { var id: Int; var msgid: String? }
            var mbox: String
            var patches: [PWPatch]?
        }
        let meta: PWSeries
        do {
            meta = try JSONDecoder().decode(PWSeries.self, from: json)
        } catch {
            throw KGateError(.host, "patchwork series \(ref.seriesID): unexpected JSON (no \"mbox\" link)",
                             location: apiURL, fix: "check the patchwork URL and series id",
                             excerpt: String(decoding: json.prefix(300), as: UTF8.self), cause: error)
        }
        guard let mboxURL = URL(string: meta.mbox), let baseHost = URL(string: base)?.host,
              mboxURL.host == baseHost, ["http", "https"].contains(mboxURL.scheme ?? "") else {
            throw KGateError.infrastructure("patchwork series \(ref.seriesID): mbox link '\(meta.mbox.prefix(200))' is not on \(base)",
                                            location: apiURL, fix: "refusing to follow a link to another host")
        }
        Console.shared.status("series: fetching \(meta.mbox)")
        let data = try client.get(meta.mbox).body
        guard data.count <= limits.maxMboxBytes else {
            throw KGateError.infrastructure("patchwork mbox exceeds \(limits.maxMboxBytes) bytes", location: meta.mbox,
                                            fix: "fetch the series' patches from lore by message-id instead")
        }
        let series = try assemble(parse(data, origin: meta.mbox), source: apiURL)
        var ids: [String: Int] = [:]
        for p in meta.patches ?? [] {
            if let msgid = p.msgid, let clean = MailMessage.messageIDs(in: msgid).first { ids[clean] = p.id }
        }
        return series.withPatchworkIDs(ids)
    }

    /// The messages of an mbox or mail. Input that is not mail is a broken
    /// patch (exit 2), not a usage error: "the input is not a patch series".
    func parse(_ data: Data, origin: String) throws -> [MailMessage] {
        do {
            let raw = try Mbox.split(data, format: mboxFormat, maxMessages: limits.maxMessages, origin: origin)
            return try raw.enumerated().map { i, bytes in
                try MailMessage.parse(bytes, index: i, origin: raw.count == 1 ? origin : "\(origin) (message \(i + 1))")
            }
        } catch let error as KGateError where error.blame == .input {
            throw SeriesLoader.notASeries(error)
        }
    }

    /// Assembly with a malformed header (e.g. an unparsable Date) reported as broken input.
    func assemble(_ messages: [MailMessage], source: String) throws -> Series {
        do {
            return try SeriesAssembler.assemble(messages, source: source)
        } catch let error as KGateError where error.blame == .input {
            throw SeriesLoader.notASeries(error)
        }
    }

    static func notASeries(_ error: KGateError) -> KGateError {
        KGateError(.kernelUnderTest, "the input is not a patch series: \(error.what)", location: error.location,
                   fix: error.fix ?? "pass an mbox, a .patch/.eml mail or a git format-patch directory", excerpt: error.excerpt)
    }
}

extension Series {
    func withPatchworkIDs(_ ids: [String: Int]) -> Series {
        let patches = self.patches.map { p -> Patch in
            var p = p
            if let id = p.messageID { p.patchworkID = ids[id] }
            return p
        }
        return Series(version: version, isRFC: isRFC, isResend: isResend, prefixes: prefixes, coverSubject: coverSubject,
                      coverMessageID: coverMessageID, patches: patches, baseCommit: baseCommit, source: source,
                      report: report)
    }
}
