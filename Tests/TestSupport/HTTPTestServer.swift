import Foundation
import KGateCore

/// A real HTTP server on 127.0.0.1 for tests (python3's http.server, started
/// per test on a free port, stopped by `stop()` or deinit). Routes answer from
/// a script of responses: each request takes the next one, the last repeats.
/// Every request (method, path, headers, body) is recorded.
public final class HTTPTestServer: @unchecked Sendable {
    public struct Response: Codable, Sendable {
        public var status: Int
        public var body: Data
        public var headers: [String: String]
        /// Send the body gzip-compressed with `Content-Encoding: gzip`.
        public var gzip: Bool
        /// Seconds to wait before answering (timeouts).
        public var delay: Double

        public init(status: Int = 200, body: Data = Data(), headers: [String: String] = [:], gzip: Bool = false, delay: Double = 0) {
            self.status = status; self.body = body; self.headers = headers; self.gzip = gzip; self.delay = delay
        }

        public init(status: Int = 200, text: String, headers: [String: String] = [:], gzip: Bool = false, delay: Double = 0) {
            self.init(status: status, body: Data(text.utf8), headers: headers, gzip: gzip, delay: delay)
        }
    }

    public struct Request: Decodable, Sendable {
        public var method: String
        public var path: String
        public var headers: [String: String]
        public var body: Data
    }

    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    private let process: Process
    private let directory: URL

    /// `routes`: path (e.g. "/a/b") → the responses in order. Unknown paths get 404.
    public init(routes: [String: [Response]]) throws {
        directory = try TestEnv.temporaryDirectory("http")
        let script = directory.appendingPathComponent("server.py")
        try HTTPTestServer.script.write(to: script, atomically: true, encoding: .utf8)
        let routesFile = directory.appendingPathComponent("routes.json")
        try JSONEncoder().encode(routes).write(to: routesFile)
        let log = directory.appendingPathComponent("requests.jsonl")
        let portFile = directory.appendingPathComponent("port")
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script.path, routesFile.path, log.path, portFile.path]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var found: Int?
        for _ in 0..<200 {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), text.hasSuffix("\n"),
               let p = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                found = p; break
            }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        guard let found else {
            if process.isRunning { process.terminate() }
            throw KGateError.infrastructure("the test HTTP server did not start", location: script.path)
        }
        port = found
    }

    deinit { stop() }

    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<100 where process.isRunning { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// The requests served so far, in order.
    public func requests() throws -> [Request] {
        let log = directory.appendingPathComponent("requests.jsonl")
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
    }

    static let script = #"""
import base64, gzip, json, os, signal, sys, threading, time
# The test runner's threads block signals and children inherit the mask.
signal.pthread_sigmask(signal.SIG_SETMASK, [])
signal.signal(signal.SIGTERM, lambda *args: os._exit(0))
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

routes_file, log_file, port_file = sys.argv[1:4]
with open(routes_file) as f:
    routes = json.load(f)
counters = {}
lock = threading.Lock()

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = self.path
        with lock:
            with open(log_file, "a") as f:
                f.write(json.dumps({"method": self.command, "path": path,
                                    "headers": {k: v for k, v in self.headers.items()},
                                    "body": base64.b64encode(body).decode()}) + "\n")
            script = routes.get(path)
            if script is None:
                resp = {"status": 404, "body": base64.b64encode(b"not found: " + path.encode()).decode(),
                        "headers": {}, "gzip": False, "delay": 0}
            else:
                n = counters.get(path, 0)
                counters[path] = n + 1
                resp = script[min(n, len(script) - 1)]
        if resp.get("delay"):
            time.sleep(resp["delay"])
        data = base64.b64decode(resp["body"])
        headers = dict(resp.get("headers") or {})
        if resp.get("gzip"):
            data = gzip.compress(data)
            headers["Content-Encoding"] = "gzip"
        try:
            self.send_response(resp["status"])
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
    do_GET = handle_any
    do_POST = handle_any

parent = os.getppid()
def watch_parent():
    # Exit when the test process goes away, even if it crashed.
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)
threading.Thread(target=watch_parent, daemon=True).start()

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(port_file + ".tmp", "w") as f:
    f.write("%d\n" % server.server_address[1])
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
"""#
}
