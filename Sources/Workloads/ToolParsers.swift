import Foundation
import KGateCore

/// iperf3 -J results, from untrusted guest output.
public struct Iperf3Result: Sendable, Equatable {
    /// Sender-side throughput (sum over streams; bidirectional: both directions).
    public var senderBps: Double
    /// Receiver-side throughput.
    public var receiverBps: Double
    public var bytesReceived: Double
    public var retransmits: Double?
    /// Mean of the streams' sender mean_rtt (µs), TCP only, where the kernel reports it.
    public var rttMeanUs: Double?
    public var rttMinUs: Double?
    public var rttMaxUs: Double?
    public var udpLostPercent: Double?
    public var udpJitterMs: Double?
    public var udpLostPackets: Double?
    public var udpPackets: Double?
}

/// sockperf ping-pong latency summary (µs; one-way = RTT/2 as sockperf reports).
public struct SockperfResult: Sendable, Equatable {
    public var avgUs: Double
    public var p50Us: Double
    public var p90Us: Double
    public var p99Us: Double
    public var p999Us: Double
    public var maxUs: Double?
    public var observations: Double
}

public enum ToolParsers {
    public static let maxToolOutputBytes = 8 << 20

    /// Parses iperf3 -J output. An iperf3 `"error"` or malformed JSON throws, quoting it.
    public static func iperf3(_ data: Data, where location: String) throws -> Iperf3Result {
        guard data.count <= maxToolOutputBytes else {
            throw KGateError.infrastructure("iperf3 output is too large (\(data.count) bytes)", location: location)
        }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw KGateError.infrastructure("iperf3 output is not JSON", location: location, excerpt: excerpt(data))
        }
        if let error = root["error"] as? String {
            throw KGateError.infrastructure("iperf3 reported an error: \(String(error.prefix(500)))", location: location)
        }
        guard let end = root["end"] as? [String: Any] else {
            throw KGateError.infrastructure("iperf3 JSON has no 'end' section", location: location, excerpt: excerpt(data))
        }
        func num(_ dict: [String: Any]?, _ key: String) -> Double? {
            guard let v = dict?[key] as? NSNumber else { return nil }
            let d = v.doubleValue
            return d.isFinite && d >= 0 ? d : nil
        }
        let sent = end["sum_sent"] as? [String: Any]
        let received = end["sum_received"] as? [String: Any]
        guard let senderBps = num(sent, "bits_per_second"), let receiverBps = num(received, "bits_per_second") else {
            throw KGateError.infrastructure("iperf3 JSON lacks end.sum_sent/sum_received bits_per_second", location: location,
                                            excerpt: excerpt(data))
        }
        var r = Iperf3Result(senderBps: senderBps, receiverBps: receiverBps,
                             bytesReceived: num(received, "bytes") ?? 0, retransmits: num(sent, "retransmits"))
        // --bidir: the reverse direction has its own sums.
        let revSent = end["sum_sent_bidir_reverse"] as? [String: Any]
        let revReceived = end["sum_received_bidir_reverse"] as? [String: Any]
        if let s = num(revSent, "bits_per_second"), let rcv = num(revReceived, "bits_per_second") {
            r.senderBps += s
            r.receiverBps += rcv
            r.bytesReceived += num(revReceived, "bytes") ?? 0
            if let rt = num(revSent, "retransmits") { r.retransmits = (r.retransmits ?? 0) + rt }
        }
        let streams = (end["streams"] as? [[String: Any]]) ?? []
        var means: [Double] = [], mins: [Double] = [], maxs: [Double] = []
        for stream in streams.prefix(1024) {
            guard let s = stream["sender"] as? [String: Any], (s["sender"] as? Bool) ?? true else { continue }
            if let m = num(s, "mean_rtt") { means.append(m) }
            if let m = num(s, "min_rtt") { mins.append(m) }
            if let m = num(s, "max_rtt") { maxs.append(m) }
        }
        if !means.isEmpty { r.rttMeanUs = means.reduce(0, +) / Double(means.count) }
        r.rttMinUs = mins.min()
        r.rttMaxUs = maxs.max()
        if let udp = end["sum"] as? [String: Any], num(udp, "jitter_ms") != nil {
            let rx = received ?? udp
            r.udpJitterMs = num(rx, "jitter_ms")
            r.udpLostPercent = num(rx, "lost_percent")
            r.udpLostPackets = num(rx, "lost_packets")
            r.udpPackets = num(rx, "packets")
        }
        return r
    }

    /// Parses sockperf ping-pong text output (ANSI colours stripped). A sockperf
    /// `ERROR:` line or missing percentiles throw, quoting the output.
    public static func sockperf(_ data: Data, where location: String) throws -> SockperfResult {
        guard data.count <= maxToolOutputBytes else {
            throw KGateError.infrastructure("sockperf output is too large (\(data.count) bytes)", location: location)
        }
        let text = String(decoding: data, as: UTF8.self)
            .replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
        if let errorLine = text.split(separator: "\n").first(where: { $0.contains("ERROR") }) {
            throw KGateError.infrastructure("sockperf reported an error: \(errorLine.prefix(300))", location: location,
                                            excerpt: String(text.suffix(1500)))
        }
        var avg: Double?, max: Double?, observations: Double?
        var pct: [String: Double] = [:]
        for raw in text.split(separator: "\n").prefix(10_000) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if let r = line.range(of: "avg-latency=") {
                avg = leadingNumber(line[r.upperBound...])
            } else if let r = line.range(of: "---> percentile ") {
                let rest = line[r.upperBound...].split(separator: "=", maxSplits: 1)
                if rest.count == 2, let v = leadingNumber(rest[1]) {
                    pct[rest[0].trimmingCharacters(in: .whitespaces)] = v
                }
            } else if let r = line.range(of: "<MAX> observation =") {
                max = leadingNumber(line[r.upperBound...])
            } else if let r = line.range(of: "Total ") , line.contains("observations") {
                observations = leadingNumber(line[r.upperBound...])
            }
        }
        guard let avg, let p50 = pct["50.000"], let p90 = pct["90.000"], let p99 = pct["99.000"],
              let p999 = pct["99.900"], let observations, observations > 0 else {
            throw KGateError.infrastructure("sockperf output has no latency summary (avg-latency and percentiles)",
                                            location: location, excerpt: String(text.suffix(1500)))
        }
        return SockperfResult(avgUs: avg, p50Us: p50, p90Us: p90, p99Us: p99, p999Us: p999, maxUs: max,
                              observations: observations)
    }

    static func leadingNumber<S: StringProtocol>(_ s: S) -> Double? {
        let t = s.drop { $0 == " " }
        let digits = t.prefix { $0.isNumber || $0 == "." || $0 == "-" || $0 == "e" || $0 == "+" }
        guard let v = Double(String(digits)), v.isFinite else { return nil }
        return v
    }

    static func excerpt(_ data: Data) -> String {
        String(String(decoding: data.prefix(1500), as: UTF8.self))
    }
}
