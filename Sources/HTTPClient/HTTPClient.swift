import CCurl
import CCurlShim
import Foundation
import KGateCore

/// One HTTP response (2xx; other statuses become errors).
public struct HTTPResponse: Sendable {
    public var url: String
    public var status: Int
    /// The body, content-decoded by curl (gzip/deflate per Accept-Encoding).
    public var body: Data
    public var attempts: Int
    /// Response headers of the last hop, names lower-cased (a repeated header's values joined by ", ").
    public var headers: [String: String] = [:]
}

/// A blocking HTTP client over one libcurl easy handle. Requests on one
/// client are serialized; use one client per thread for parallel fetches.
public final class HTTPClient: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var connectTimeout: Double = 10
        public var totalTimeout: Double = 120
        /// Largest (decoded) body accepted.
        public var maxBytes: Int = 64 << 20
        /// Attempts in all (1 = no retry). Retried: 5xx, connection errors, timeouts.
        public var maxAttempts: Int = 4
        /// First backoff; doubles per retry, capped at `maxBackoff`.
        public var initialBackoff: Double = 0.5
        public var maxBackoff: Double = 8
        public var userAgent: String = "kgate/\(HTTPClient.version)"
        public init() {}
    }

    public static let version = "0.1.0"

    public let configuration: Configuration
    private let handle: UnsafeMutableRawPointer
    private let lock = NSLock()

    public init(configuration: Configuration = Configuration()) throws {
        CurlGlobal.ensureInitialized()
        guard let h = curl_easy_init() else {
            throw KGateError.infrastructure("curl_easy_init failed", fix: "check libcurl4 is installed (kgate doctor)")
        }
        self.handle = h
        self.configuration = configuration
    }

    deinit { curl_easy_cleanup(handle) }

    public func get(_ url: String, headers: [String: String] = [:]) throws -> HTTPResponse {
        try send(method: "GET", url: url, body: nil, headers: headers)
    }

    public func post(_ url: String, body: Data, headers: [String: String] = [:]) throws -> HTTPResponse {
        try send(method: "POST", url: url, body: body, headers: headers)
    }

    /// Sends with retries: 5xx and connection-level failures back off
    /// exponentially up to `maxAttempts`; 4xx fails at once.
    public func send(method: String, url: String, body: Data?, headers: [String: String]) throws -> HTTPResponse {
        guard let scheme = URL(string: url)?.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw KGateError.usage("not an http(s) URL: \(url)", location: url)
        }
        lock.lock(); defer { lock.unlock() }
        var attempt = 0
        var delay = configuration.initialBackoff
        while true {
            attempt += 1
            let outcome = perform(method: method, url: url, body: body, headers: headers)
            switch outcome {
            case .response(let status, let data, let received) where (200..<300).contains(status):
                return HTTPResponse(url: url, status: status, body: data, attempts: attempt, headers: received)
            case .response(let status, let data, _):
                let error = KGateError.infrastructure(
                    "\(method) \(url) failed: HTTP \(status)\(attempt > 1 ? " after \(attempt) attempts" : "")",
                    location: url,
                    fix: status == 404 ? "check the id or URL exists" : (status >= 500 ? "the server failed; retry later" : "check the request (URL, token)"),
                    excerpt: HTTPClient.excerpt(data))
                if status < 500 || attempt >= configuration.maxAttempts { throw error }
            case .transport(let code, let message, let retryable):
                let error = KGateError.infrastructure(
                    "\(method) \(url) failed: \(message) (CURLcode \(code))\(attempt > 1 ? " after \(attempt) attempts" : "")",
                    location: url, fix: "check the network and the URL")
                if !retryable || attempt >= configuration.maxAttempts { throw error }
            }
            Console.shared.status("http: retry \(attempt)/\(configuration.maxAttempts - 1) of \(url) in \(delay)s")
            Thread.sleep(forTimeInterval: delay)
            delay = min(delay * 2, configuration.maxBackoff)
        }
    }

    /// A short printable excerpt of an error body (bounded; control bytes dropped).
    static func excerpt(_ data: Data) -> String {
        let text = String(decoding: data.prefix(400), as: UTF8.self)
        return String(String.UnicodeScalarView(text.unicodeScalars.filter { $0 == "\n" || ($0.value >= 0x20 && $0.value != 0x7f) }))
    }

    private enum Outcome {
        case response(Int, Data, [String: String])
        case transport(Int, String, retryable: Bool)
    }

    private func perform(method: String, url: String, body: Data?, headers: [String: String]) -> Outcome {
        curl_easy_reset(handle)
        let sink = BodySink(limit: configuration.maxBytes)
        let sinkRef = Unmanaged.passRetained(sink)
        defer { sinkRef.release() }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            // Header values are never logged: they may hold tokens.
            guard let appended = curl_slist_append(headerList, "\(name): \(value)") else {
                return .transport(-1, "curl_slist_append failed", retryable: false)
            }
            headerList = appended
        }
        let handle = self.handle
        let config = configuration
        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errBuf -> CURLcode in
            var rc = CURLE_OK
            func set(_ r: CURLcode) { if rc == CURLE_OK { rc = r } }
            set(kgate_setopt_str(handle, CURLOPT_URL, url))
            set(kgate_setopt_ptr(handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errBuf.baseAddress)))
            set(kgate_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
            set(kgate_setopt_str(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
            set(kgate_setopt_str(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
            set(kgate_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 1))
            set(kgate_setopt_long(handle, CURLOPT_MAXREDIRS, 5))
            set(kgate_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(config.connectTimeout * 1000)))
            set(kgate_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(config.totalTimeout * 1000)))
            set(kgate_setopt_str(handle, CURLOPT_USERAGENT, config.userAgent))
            set(kgate_setopt_str(handle, CURLOPT_ACCEPT_ENCODING, ""))
            set(kgate_setopt_off(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(config.maxBytes)))
            set(kgate_setopt_write_function(handle, httpClientWrite))
            set(kgate_setopt_ptr(handle, CURLOPT_WRITEDATA, sinkRef.toOpaque()))
            if let headerList { set(kgate_setopt_ptr(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList))) }
            if method == "POST" {
                let payload = body ?? Data()
                set(kgate_setopt_long(handle, CURLOPT_POST, 1))
                set(kgate_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(payload.count)))
                var bytes = [UInt8](payload)
                bytes.append(0)
                bytes.withUnsafeMutableBytes { raw in
                    // COPYPOSTFIELDS copies the bytes: no lifetime to manage.
                    set(kgate_setopt_ptr(handle, CURLOPT_COPYPOSTFIELDS, raw.baseAddress))
                }
            } else if method != "GET" {
                set(kgate_setopt_str(handle, CURLOPT_CUSTOMREQUEST, method))
            }
            if rc != CURLE_OK { return rc }
            let performed = curl_easy_perform(handle)
            // The buffers live only for this call: unhook them from the handle.
            _ = kgate_setopt_ptr(handle, CURLOPT_ERRORBUFFER, nil)
            _ = kgate_setopt_ptr(handle, CURLOPT_WRITEDATA, nil)
            return performed
        }
        if sink.exceeded || code == CURLE_FILESIZE_EXCEEDED {
            return .transport(Int(code.rawValue), "response body exceeds \(config.maxBytes) bytes", retryable: false)
        }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let message = String(cString: curl_easy_strerror(code)) + (detail.isEmpty ? "" : ": \(detail)")
            return .transport(Int(code.rawValue), message, retryable: HTTPClient.retryable(code))
        }
        var status: Int = 0
        let infoRC = kgate_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        guard infoRC == CURLE_OK else {
            return .transport(Int(infoRC.rawValue), String(cString: curl_easy_strerror(infoRC)), retryable: false)
        }
        return .response(status, sink.data, responseHeaders())
    }

    /// The last hop's headers (libcurl's header API), bounded: 100 headers, 8 KiB a value.
    private func responseHeaders() -> [String: String] {
        var out: [String: String] = [:]
        var previous: UnsafeMutablePointer<curl_header>?
        for _ in 0..<100 {
            guard let header = curl_easy_nextheader(handle, UInt32(CURLH_HEADER), -1, previous) else { break }
            previous = header
            guard let name = header.pointee.name, let value = header.pointee.value else { continue }
            let key = String(cString: name).lowercased()
            let text = String(String(cString: value).prefix(8192))
            out[key] = out[key].map { $0 + ", " + text } ?? text
        }
        return out
    }

    static func retryable(_ code: CURLcode) -> Bool {
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_OPERATION_TIMEDOUT, CURLE_RECV_ERROR,
             CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM,
             CURLE_SSL_CONNECT_ERROR:
            return true
        default:
            return false
        }
    }
}

/// Accumulates a body up to a bound.
final class BodySink {
    var data = Data()
    let limit: Int
    var exceeded = false
    init(limit: Int) { self.limit = limit }
}

private func httpClientWrite(_ ptr: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    guard let user else { return 0 }
    let sink = Unmanaged<BodySink>.fromOpaque(user).takeUnretainedValue()
    let n = size * count
    if sink.data.count + n > sink.limit {
        sink.exceeded = true
        return 0
    }
    if let ptr, n > 0 { sink.data.append(UnsafeRawPointer(ptr).assumingMemoryBound(to: UInt8.self), count: n) }
    return n
}

/// `curl_global_init` exactly once per process.
enum CurlGlobal {
    private static let once: Bool = {
        let rc = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        precondition(rc == CURLE_OK, "curl_global_init failed: \(String(cString: curl_easy_strerror(rc)))")
        return true
    }()
    static func ensureInitialized() { _ = once }
}
