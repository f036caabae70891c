import Foundation
import HTTPClient
import KGateCore
import Testing
import TestSupport
@testable import PatchSeries

func gzipped(_ data: Data) throws -> Data {
    let dir = try TestEnv.temporaryDirectory("gz")
    let file = dir.appendingPathComponent("t.mbox")
    try data.write(to: file)
    #expect(try ProcessRunner.run("/bin/gzip", ["-n", file.path]).succeeded)
    return try Data(contentsOf: dir.appendingPathComponent("t.mbox.gz"))
}

func quickHTTP() throws -> HTTPClient {
    var config = HTTPClient.Configuration()
    config.initialBackoff = 0.05
    config.maxAttempts = 2
    return try HTTPClient(configuration: config)
}

@Suite("lore and patchwork against a local server", .tags(.network), .needs(.localServer))
struct RemoteSourceTests {
    @Test func loreURLEscapingAndValidation() throws {
        let base = "https://lore.kernel.org/all"
        #expect(try SeriesLoader.loreThreadURL(messageID: "<20240502.1-1-ann@example.org>", loreURL: base)
                == "https://lore.kernel.org/all/20240502.1-1-ann@example.org/t.mbox.gz")
        #expect(try SeriesLoader.loreThreadURL(messageID: "a/b%c#d?e@x", loreURL: base + "/")
                == "https://lore.kernel.org/all/a%2Fb%25c%23d%3Fe@x/t.mbox.gz")
        for bad in ["no-at-sign", "<>", "a b@x", "a<b@x", "../../etc@x", "caf\u{e9}@x", String(repeating: "a", count: 600) + "@x"] {
            #expect(throws: KGateError.self, "\(bad)") { try SeriesLoader.loreThreadURL(messageID: bad, loreURL: base) }
        }
        #expect(throws: KGateError.self) { try SeriesLoader.loreThreadURL(messageID: "a@b", loreURL: "ftp://x") }
    }

    @Test func loreFetchEndToEnd() throws {
        let gz = try gzipped(try Fixtures.data("thread.mbox"))
        let server = try HTTPTestServer(routes: [
            "/all/v2-0@example.org/t.mbox.gz": [.init(status: 500, text: "try again"), .init(body: gz, headers: ["Content-Type": "application/gzip"])],
        ])
        defer { server.stop() }
        let loader = SeriesLoader(loreURL: server.baseURL + "/all", http: try quickHTTP())
        let s = try loader.load(source: "<v2-0@example.org>")
        #expect(s.version == 2 && s.patches.count == 3)
        #expect(s.source == server.baseURL + "/all/v2-0@example.org/t.mbox.gz")
        #expect(s.patches[1].trailers.contains(Trailer(name: "Tested-by", value: "Tess Ter <tess@example.com>")))
        let local = try SeriesLoader().load(source: Fixtures.url("thread.mbox").path)
        #expect(s.patchsetHash == local.patchsetHash)
        #expect(try server.requests().map(\.path) == ["/all/v2-0@example.org/t.mbox.gz", "/all/v2-0@example.org/t.mbox.gz"])
    }

    @Test func loreMissingThreadNamesTheURL() throws {
        let server = try HTTPTestServer(routes: [:])
        defer { server.stop() }
        let loader = SeriesLoader(loreURL: server.baseURL + "/all", http: try quickHTTP())
        let error = try #require(throws: KGateError.self) { try loader.load(source: "nope@example.org") }
        #expect(error.what.contains("HTTP 404"))
        #expect(error.what.contains(server.baseURL + "/all/nope@example.org/t.mbox.gz"))
    }

    @Test func patchworkSeriesViaItsMboxLink() throws {
        let server = try HTTPTestServer(routes: ["/series/77/mbox/": [.init(body: try Fixtures.data("thread.mbox"))]])
        defer { server.stop() }
        let json = """
            {"id": 77, "name": "tcp_demo cleanups", "version": 2, "mbox": "\(server.baseURL)/series/77/mbox/",
             "patches": [{"id": 1001, "msgid": "<v2-1@example.de>"}, {"id": 1002, "msgid": "<v2-2@example.org>"},
                         {"id": 1003, "msgid": "<v2-3@example.org>"}]}
            """
        let api = try HTTPTestServer(routes: ["/api/1.1/series/77/": [.init(text: json, headers: ["Content-Type": "application/json"])]])
        defer { api.stop() }
        // The mbox link is on another port of the same host (127.0.0.1): allowed.
        let ref = PatchworkSeriesRef(baseURL: api.baseURL + "/", seriesID: 77)
        let s = try SeriesLoader(http: try quickHTTP()).load(source: nil, patchwork: ref)
        #expect(s.version == 2 && s.patches.count == 3)
        #expect(s.patches.map(\.patchworkID) == [1001, 1002, 1003])
        #expect(s.source == api.baseURL + "/api/1.1/series/77/")
        #expect(try server.requests().map(\.path) == ["/series/77/mbox/"])
        #expect(try api.requests().first?.headers["Accept"] == "application/json")
    }

    @Test func patchworkMboxLinkToAnotherHostIsRefused() throws {
        let json = #"{"id": 5, "mbox": "http://evil.example.com/series/5/mbox/", "patches": []}"#
        let api = try HTTPTestServer(routes: ["/api/1.1/series/5/": [.init(text: json)]])
        defer { api.stop() }
        let error = try #require(throws: KGateError.self) {
            try SeriesLoader(http: try quickHTTP()).load(source: nil, patchwork: PatchworkSeriesRef(baseURL: api.baseURL, seriesID: 5))
        }
        #expect(error.what.contains("is not on"))
        let bad = try HTTPTestServer(routes: ["/api/1.1/series/6/": [.init(text: "<html>not json</html>")]])
        defer { bad.stop() }
        let e2 = try #require(throws: KGateError.self) {
            try SeriesLoader(http: try quickHTTP()).load(source: nil, patchwork: PatchworkSeriesRef(baseURL: bad.baseURL, seriesID: 6))
        }
        #expect(e2.what.contains("unexpected JSON"))
    }

    @Test func patchworkCheckPostIsRecorded() throws {
        let token = "0123456789abcdef-secret"
        let server = try HTTPTestServer(routes: [
            "/api/1.1/patches/1001/checks/": [.init(status: 201, text: #"{"id": 1}"#)],
            "/api/1.1/patches/1002/checks/": [.init(status: 403, text: #"{"detail": "You do not have permission"}"#)],
        ])
        defer { server.stop() }
        let client = try PatchworkClient(baseURL: server.baseURL + "/api/1.1/", token: token, http: try quickHTTP())
        #expect(!client.description.contains(token))
        try client.postCheck(patchID: 1001, state: .warning, context: "kgate-tcp-throughput",
                             targetURL: "https://ci.example.org/run/42", description: "tcp_bulk: -3.1% [-4.0%, -2.2%]")
        let req = try #require(try server.requests().first)
        #expect(req.method == "POST")
        #expect(req.path == "/api/1.1/patches/1001/checks/")
        #expect(req.headers["Authorization"] == "Token \(token)")
        #expect(req.headers["Content-Type"] == "application/json")
        let body = try #require(try JSONSerialization.jsonObject(with: req.body) as? [String: String])
        #expect(body == ["state": "warning", "context": "kgate-tcp-throughput",
                         "target_url": "https://ci.example.org/run/42", "description": "tcp_bulk: -3.1% [-4.0%, -2.2%]"])
        let error = try #require(throws: KGateError.self) {
            try client.postCheck(patchID: 1002, state: .fail, context: "kgate", targetURL: nil, description: "x")
        }
        #expect(error.what.contains("HTTP 403"))
        #expect(!error.description.contains(token))
        #expect(try server.requests().count == 2) // 4xx is not retried
        #expect(throws: KGateError.self) { try client.postCheck(patchID: 1, state: .success, context: "bad context!", targetURL: nil, description: "") }
        #expect(throws: KGateError.self) { try PatchworkClient(baseURL: server.baseURL, token: " \n") }
    }
}
