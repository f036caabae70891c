import Foundation
import HTTPClient
import KGateCore
import Testing
import TestSupport

/// A client with fast retries so the tests run in well under a second each.
func fastClient(attempts: Int = 3, totalTimeout: Double = 10, maxBytes: Int = 64 << 20) throws -> HTTPClient {
    var config = HTTPClient.Configuration()
    config.maxAttempts = attempts
    config.initialBackoff = 0.05
    config.totalTimeout = totalTimeout
    config.connectTimeout = 2
    config.maxBytes = maxBytes
    return try HTTPClient(configuration: config)
}

@Suite("HTTPClient against a local server", .tags(.network), .needs(.localServer))
struct HTTPClientTests {
    @Test func getReturnsBodyAndSendsUserAgent() throws {
        let server = try HTTPTestServer(routes: ["/hello": [.init(text: "hello, kgate\n")]])
        defer { server.stop() }
        let response = try fastClient().get(server.baseURL + "/hello")
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "hello, kgate\n")
        #expect(response.attempts == 1)
        let req = try #require(try server.requests().first)
        #expect(req.method == "GET")
        #expect(req.headers["User-Agent"] == "kgate/\(HTTPClient.version)")
        #expect(req.headers["Accept-Encoding"]?.contains("gzip") == true)
    }

    @Test func gzipContentEncodingIsDecoded() throws {
        let text = String(repeating: "diff --git a/net/ipv4/tcp.c b/net/ipv4/tcp.c\n", count: 500)
        let server = try HTTPTestServer(routes: ["/z": [.init(text: text, gzip: true)]])
        defer { server.stop() }
        let response = try fastClient().get(server.baseURL + "/z")
        #expect(String(decoding: response.body, as: UTF8.self) == text)
    }

    @Test func serverErrorIsRetriedThenSucceeds() throws {
        let server = try HTTPTestServer(routes: ["/flaky": [.init(status: 500, text: "boom"), .init(status: 503, text: "busy"), .init(text: "ok")]])
        defer { server.stop() }
        let response = try fastClient(attempts: 4).get(server.baseURL + "/flaky")
        #expect(String(decoding: response.body, as: UTF8.self) == "ok")
        #expect(response.attempts == 3)
        #expect(try server.requests().count == 3)
    }

    @Test func serverErrorGivesUpAfterBoundedAttempts() throws {
        let server = try HTTPTestServer(routes: ["/down": [.init(status: 502, text: "bad gateway")]])
        defer { server.stop() }
        let url = server.baseURL + "/down"
        let error = try #require(throws: KGateError.self) { try fastClient(attempts: 3).get(url) }
        #expect(error.what.contains("HTTP 502"))
        #expect(error.what.contains("3 attempts"))
        #expect(try server.requests().count == 3)
    }

    @Test func notFoundIsNotRetriedAndNamesTheURL() throws {
        let server = try HTTPTestServer(routes: [:])
        defer { server.stop() }
        let url = server.baseURL + "/missing/thing"
        let error = try #require(throws: KGateError.self) {
            try fastClient(attempts: 4).get(url, headers: ["Authorization": "Token s3cr3t-t0ken"])
        }
        #expect(error.what.contains(url))
        #expect(error.what.contains("HTTP 404"))
        #expect(error.location == url)
        #expect(!error.description.contains("s3cr3t-t0ken"))
        #expect(try server.requests().count == 1)
    }

    @Test func totalTimeoutFires() throws {
        let server = try HTTPTestServer(routes: ["/slow": [.init(text: "late", delay: 3)]])
        defer { server.stop() }
        let start = Date()
        let error = try #require(throws: KGateError.self) {
            try fastClient(attempts: 1, totalTimeout: 0.5).get(server.baseURL + "/slow")
        }
        #expect(error.what.contains("Timeout") || error.what.contains("timed out"))
        #expect(Date().timeIntervalSince(start) < 2.5)
    }

    @Test func connectionRefusedIsRetriedAndReported() throws {
        // A port that was free a moment ago: bind, read the port, stop.
        let server = try HTTPTestServer(routes: [:])
        let url = server.baseURL + "/x"
        server.stop()
        let error = try #require(throws: KGateError.self) { try fastClient(attempts: 2).get(url) }
        #expect(error.what.contains("after 2 attempts"))
        #expect(error.what.contains(url))
    }

    @Test func bodyLargerThanTheBoundIsRefused() throws {
        let server = try HTTPTestServer(routes: ["/big": [.init(body: Data(count: 200_000))]])
        defer { server.stop() }
        let error = try #require(throws: KGateError.self) { try fastClient(maxBytes: 100_000).get(server.baseURL + "/big") }
        #expect(error.what.contains("exceeds 100000 bytes"))
    }

    @Test func postSendsBodyAndHeaders() throws {
        let server = try HTTPTestServer(routes: ["/p": [.init(status: 201, text: "{}")]])
        defer { server.stop() }
        let payload = Data(#"{"a":1}"#.utf8)
        let response = try fastClient().post(server.baseURL + "/p", body: payload, headers: ["Content-Type": "application/json"])
        #expect(response.status == 201)
        let req = try #require(try server.requests().first)
        #expect(req.method == "POST")
        #expect(req.body == payload)
        #expect(req.headers["Content-Type"] == "application/json")
    }

    @Test func rejectsNonHTTPURLs() throws {
        #expect(throws: KGateError.self) { try fastClient().get("file:///etc/passwd") }
    }
}

@Suite("Gzip", .tags(.unit))
struct GzipTests {
    func gzip(_ data: Data) throws -> Data {
        let dir = try TestEnv.temporaryDirectory("gz")
        let file = dir.appendingPathComponent("x")
        try data.write(to: file)
        let result = try ProcessRunner.run("/bin/gzip", ["-kn", file.path])
        #expect(result.exitCode == 0)
        return try Data(contentsOf: dir.appendingPathComponent("x.gz"))
    }

    @Test func roundTripsWithTheRealGzip() throws {
        let text = Data(String(repeating: "From: A <a@b>\nSubject: x\n\nbody\n", count: 1000).utf8)
        #expect(try Gzip.decompress(gzip(text)) == text)
    }

    @Test func concatenatedMembers() throws {
        let a = Data("first\n".utf8), b = Data("second\n".utf8)
        #expect(try Gzip.decompress(gzip(a) + gzip(b)) == a + b)
    }

    @Test func outputBoundStopsBombs() throws {
        let zeros = Data(count: 5 << 20)
        let error = try #require(throws: KGateError.self) { try Gzip.decompress(gzip(zeros), limit: 1 << 20) }
        #expect(error.what.contains("inflates beyond"))
    }

    @Test func rejectsNonGzipAndTruncated() throws {
        #expect(throws: KGateError.self) { try Gzip.decompress(Data("plain text, not gzip at all".utf8)) }
        let gz = try gzip(Data(String(repeating: "abcdefgh", count: 4000).utf8))
        let error = try #require(throws: KGateError.self) { try Gzip.decompress(gz.prefix(gz.count / 2)) }
        #expect(error.what.contains("truncated") || error.what.contains("corrupt"))
    }
}
