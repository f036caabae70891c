import Foundation
import KGateCore

/// A small patchwork for tests (python3 on 127.0.0.1, like `HTTPTestServer`):
/// the events API with `Link: rel="next"` pages, newest first; series and
/// their mbox; check POSTs with a token check and scripted failures. Every
/// request and every accepted check is recorded. `update` swaps the world
/// while it runs (a series completing, new events).
public final class FakePatchwork: @unchecked Sendable {
    public struct Series: Codable, Sendable {
        public var id: Int
        public var project: String
        public var version = 1
        public var name: String
        public var date = "2026-12-07T10:00:00.000000"
        public var receivedAll = true
        public var patches: [Int]
        /// The mbox text served at `/series/<id>/mbox/` (the patches' Message-Ids map to `patches` in order).
        public var mbox = ""
        public var messageIDs: [String] = []
        public init(id: Int, project: String, name: String, patches: [Int]) {
            self.id = id; self.project = project; self.name = name; self.patches = patches
        }
    }

    public struct Event: Codable, Sendable {
        public var id: Int
        public var category = "series-completed"
        public var project: String
        public var date: String
        public var series: Int
        public init(id: Int, project: String, date: String, series: Int, category: String = "series-completed") {
            self.id = id; self.project = project; self.date = date; self.series = series; self.category = category
        }
    }

    public struct World: Codable, Sendable {
        public var token: String
        public var pageSize = 2
        public var series: [Series] = []
        public var events: [Event] = []
        /// Patch id → how many check POSTs answer HTTP 500 before one is accepted.
        public var failPosts: [String: Int] = [:]
        /// Apply `project`, `category` and `since` as patchwork does; false serves every event
        /// (the client must still drop other projects and categories).
        public var filters = true
        public init(token: String) { self.token = token }
    }

    public struct Check: Decodable, Sendable {
        public var patch: Int
        public var state: String
        public var context: String
        public var description: String
        public var target_url: String?
    }

    public let port: Int
    /// A path prefix unique to this server, so a store shared across test runs
    /// (the test cache's results.sqlite) never mistakes it for an earlier one.
    public let prefix = "pw-\(UUID().uuidString.prefix(8).lowercased())"
    public var baseURL: String { "http://127.0.0.1:\(port)/\(prefix)" }
    private let process: Process
    private let directory: URL

    public init(_ world: World) throws {
        directory = try TestEnv.temporaryDirectory("patchwork")
        let script = FakePatchwork.scriptFile
        let portFile = directory.appendingPathComponent("port")
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script.path, directory.path, prefix]
        process.standardOutput = FileHandle.nullDevice
        try JSONEncoder().encode(world).write(to: directory.appendingPathComponent("world.json"))
        try process.run()
        var found: Int?
        for _ in 0..<200 {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), text.hasSuffix("\n"),
               let p = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) { found = p; break }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        guard let found else {
            if process.isRunning { process.terminate() }
            throw KGateError.infrastructure("the fake patchwork did not start", location: script.path)
        }
        port = found
    }

    deinit { stop() }

    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// Replaces the world (read on every request); scripted failures already served stay served.
    public func update(_ world: World) throws {
        let tmp = directory.appendingPathComponent("world.json.tmp")
        try JSONEncoder().encode(world).write(to: tmp)
        guard rename(tmp.path, directory.appendingPathComponent("world.json").path) == 0 else {
            throw KGateError.infrastructure("cannot replace the fake patchwork's world", location: tmp.path)
        }
    }

    /// The checks patchwork accepted, in order.
    public func checks() throws -> [Check] {
        try lines("checks.jsonl").map { try JSONDecoder().decode(Check.self, from: Data($0.utf8)) }
    }

    /// Every request as "METHOD path" with its headers.
    public func requests() throws -> [(line: String, headers: [String: String])] {
        struct R: Decodable { var method: String; var path: String; var headers: [String: String] }
        return try lines("requests.jsonl").map {
            let r = try JSONDecoder().decode(R.self, from: Data($0.utf8))
            return ("\(r.method) \(r.path)", r.headers)
        }
    }

    private func lines(_ name: String) throws -> [String] {
        guard let text = try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init)
    }

    /// The server, shared with benchmarks/watch.sh.
    static let scriptFile = TestEnv.packageRoot.appendingPathComponent("Tests/TestSupport/fake_patchwork.py")

}
