import Foundation
import KGateCore

/// The receiver's socket state sampled by `ss -tinH` during a trial (workload key
/// `socket_sample_seconds`): blocks that start with "@@sample <uptime>", each the
/// `ss` output for the established sockets in `rcv`. Per sample the data socket is
/// the one that has received the most bytes (iperf3's control connection carries
/// almost none). Guest output: bounded, and a line that is not understood is skipped.
public enum SocketSamples {
    public static let maxBytes = 1 << 20
    public static let fields = ["rcv_ssthresh", "rcv_space", "rcv_wnd", "rcvmss"]

    /// One sample: the data socket's fields (those present).
    public static func parse(_ text: String) throws -> [[String: Double]] {
        guard text.utf8.count <= maxBytes else {
            throw KGateError.infrastructure("socket samples are too large (\(text.utf8.count) bytes, limit \(maxBytes))")
        }
        if let e = text.split(separator: "\n").first(where: { $0.hasPrefix("@@error ") }) {
            throw KGateError.infrastructure("the guest could not sample sockets: \(e.dropFirst(8).prefix(200))",
                                            fix: "add 'binary /usr/bin/ss' to the guest recipe")
        }
        var samples: [[String: Double]] = []
        var best: [String: Double]? = nil
        var inSample = false
        func flush() {
            if inSample, let b = best { samples.append(b) }
            best = nil
        }
        for line in text.split(separator: "\n") {
            if line.hasPrefix("@@sample") { flush(); inSample = true; continue }
            var values: [String: Double] = [:]
            for token in line.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                let kv = token.split(separator: ":", maxSplits: 1)
                guard kv.count == 2, let v = Double(kv[1]), v.isFinite, v >= 0 else { continue }
                let key = String(kv[0])
                if key == "bytes_received" || fields.contains(key) { values[key] = v }
            }
            guard let received = values["bytes_received"], received > 0 else { continue }
            if received > (best?["bytes_received"] ?? -1) { best = values }
        }
        flush()
        return samples
    }

    /// Counters of one trial: `rcv.ss.<field>.max`, `.median` and `rcv.ss.samples`.
    public static func counters(_ samples: [[String: Double]]) -> CounterSnapshot {
        var out: CounterSnapshot = [:]
        guard !samples.isEmpty else { return out }
        out["rcv.ss.samples"] = Double(samples.count)
        for f in fields {
            let v = samples.compactMap { $0[f] }
            guard let top = v.max() else { continue }
            let sorted = v.sorted(), mid = sorted.count / 2
            let m = sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
            out["rcv.ss.\(f).median"] = m
            out["rcv.ss.\(f).max"] = top
        }
        return out
    }
}
