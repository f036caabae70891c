import Foundation
import HTTPClient
import KGateCore
import PatchSeries

/// A `series-completed` event of patchwork's events API (`/api/1.2/events/`).
public struct SeriesEvent: Sendable, Equatable {
    public var eventID: Int
    /// patchwork's date: naive UTC ISO 8601 (`2026-12-07T17:36:10.123456`); sorts as text.
    public var date: String
    public var seriesID: Int
    public var version: Int
    public var name: String
}

/// A series as `/api/1.2/series/<id>/` describes it.
public struct SeriesDetail: Sendable, Equatable {
    public var id: Int
    public var version: Int
    public var name: String
    public var date: String
    public var receivedAll: Bool
    public var total: Int
    public var patchIDs: [Int]
}

/// Reads patchwork's REST API for the list bot: the events of one project and
/// category (newest first on the server, `Link: rel="next"` pages), and series.
public struct PatchworkFeed: Sendable {
    public struct Limits: Sendable {
        /// Pages followed in one poll (patchwork's page is 30 by default, up to 250 on kernel.org).
        public var maxPages = 50
        /// Largest JSON page accepted.
        public var maxBytes = 8 << 20
        public init() {}
    }

    public let base: String
    public let project: String
    public let limits: Limits
    let http: HTTPClient

    public init(baseURL: String, project: String, limits: Limits = Limits(), http: HTTPClient? = nil) throws {
        self.base = try PatchworkClient.normalizedBase(baseURL)
        guard !project.isEmpty, project.count <= 100,
              project.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw KGateError.usage("invalid patchwork project '\(project.prefix(100))'",
                                   fix: "pass the project's link name as patchwork shows it (e.g. netdevbpf)")
        }
        self.project = project
        self.limits = limits
        var config = HTTPClient.Configuration()
        config.maxBytes = limits.maxBytes
        self.http = try http ?? HTTPClient(configuration: config)
    }

    /// Every `series-completed` event of the project at or after `since`, oldest
    /// first; events of other categories or projects (a server that ignores the
    /// filter) are dropped.
    public func seriesCompleted(since: String) throws -> [SeriesEvent] {
        var query = URLComponents()
        query.queryItems = [URLQueryItem(name: "project", value: project),
                            URLQueryItem(name: "category", value: "series-completed"),
                            URLQueryItem(name: "since", value: since)]
        var next: String? = "\(base)/api/1.2/events/?\(query.percentEncodedQuery ?? "")"
        var events: [SeriesEvent] = []
        var pages = 0
        while let url = next {
            pages += 1
            guard pages <= limits.maxPages else {
                throw KGateError.infrastructure("patchwork events: more than \(limits.maxPages) pages since \(since)",
                                                location: url, fix: "pass a later --since")
            }
            let response = try http.get(url, headers: ["Accept": "application/json"])
            events += try Self.decodeEvents(response.body, project: project, location: url)
            next = try Self.nextLink(response.headers["link"], base: base)
        }
        var seen = Set<Int>()
        return events.sorted { ($0.date, $0.eventID) < ($1.date, $1.eventID) }.filter { seen.insert($0.eventID).inserted }
    }

    public func series(_ id: Int) throws -> SeriesDetail {
        let url = "\(base)/api/1.2/series/\(id)/"
        let body = try http.get(url, headers: ["Accept": "application/json"]).body
        struct Raw: Decodable {
            struct Patch: Decodable { var id: Int }
            var id: Int
            var version: Int?
            var name: String?
            var date: String?
            var received_all: Bool?
            var total: Int?
            var patches: [Patch]?
        }
        do {
            let raw = try JSONDecoder().decode(Raw.self, from: body)
            return SeriesDetail(id: raw.id, version: raw.version ?? 1, name: raw.name ?? "", date: raw.date ?? "",
                                receivedAll: raw.received_all ?? false, total: raw.total ?? (raw.patches?.count ?? 0),
                                patchIDs: (raw.patches ?? []).map(\.id))
        } catch {
            throw KGateError(.host, "patchwork series \(id): unexpected JSON", location: url,
                             fix: "check the patchwork URL", excerpt: String(decoding: body.prefix(300), as: UTF8.self),
                             cause: error)
        }
    }

    static func decodeEvents(_ body: Data, project: String, location: String) throws -> [SeriesEvent] {
        struct Raw: Decodable {
            struct Project: Decodable { var id: Int?; var link_name: String? }
            struct Payload: Decodable {
                struct Series: Decodable { var id: Int; var version: Int?; var name: String? }
                var series: Series?
            }
            var id: Int
            var category: String
            var project: Project?
            var date: String
            var payload: Payload?
        }
        let raw: [Raw]
        do {
            raw = try JSONDecoder().decode([Raw].self, from: body)
        } catch {
            throw KGateError(.host, "patchwork events: unexpected JSON (not a list of events)", location: location,
                             fix: "check the patchwork URL (the API root answers /api/1.2/events/)",
                             excerpt: String(decoding: body.prefix(300), as: UTF8.self), cause: error)
        }
        return raw.compactMap { e in
            guard e.category == "series-completed", let series = e.payload?.series,
                  e.project?.link_name?.lowercased() == project.lowercased() || e.project?.id.map(String.init) == project
            else { return nil }
            return SeriesEvent(eventID: e.id, date: e.date, seriesID: series.id, version: series.version ?? 1,
                               name: String((series.name ?? "").prefix(500)))
        }
    }

    /// The `rel="next"` target of an RFC 8288 `Link` header, only on the same host.
    static func nextLink(_ header: String?, base: String) throws -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ",") {
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let target = fields.first, target.hasPrefix("<"), target.hasSuffix(">"),
                  fields.dropFirst().contains(where: { $0.replacingOccurrences(of: " ", with: "") == "rel=\"next\"" })
            else { continue }
            let url = String(target.dropFirst().dropLast())
            guard let host = URL(string: url)?.host, host == URL(string: base)?.host else {
                throw KGateError.infrastructure("patchwork's next page '\(url.prefix(200))' is not on \(base)",
                                                location: base, fix: "refusing to follow a link to another host")
            }
            return url
        }
        return nil
    }

    /// patchwork's date form for `since`: naive UTC, microseconds.
    public static func timestamp(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSSSS"
        return f.string(from: date)
    }

    /// Parses patchwork's naive UTC date (with or without fractional seconds).
    public static func date(_ text: String) -> Date? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        for format in ["yyyy-MM-dd'T'HH:mm:ss.SSSSSS", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ssZ"] {
            f.dateFormat = format
            if let d = f.date(from: text) { return d }
        }
        return nil
    }
}
