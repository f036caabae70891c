import Foundation
import KGateCore

/// A snapshot of named counters ("TcpExt.TCPMemoryPressures" → value).
public typealias CounterSnapshot = [String: Double]

/// Parsers for /proc and cgroup files sent by the guest (untrusted: bounded, validated).
public enum CounterParsers {
    public static let maxFileBytes = 1 << 20
    public static let maxEntries = 8192

    /// /proc/net/netstat and /proc/net/snmp: "Group: names…" then "Group: values…".
    public static func netstat(_ text: String) throws -> CounterSnapshot {
        try bounded(text)
        var out: CounterSnapshot = [:]
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        var i = 0
        while i + 1 < lines.count {
            let header = lines[i].split(separator: " ", omittingEmptySubsequences: true)
            let values = lines[i + 1].split(separator: " ", omittingEmptySubsequences: true)
            guard let group = header.first, group.hasSuffix(":"), values.first == group else {
                throw KGateError.infrastructure("malformed /proc/net counters near line \(i + 1)",
                                                excerpt: String(lines[i].prefix(200)))
            }
            guard header.count == values.count else {
                throw KGateError.infrastructure("/proc/net counters: \(group) has \(header.count - 1) names but \(values.count - 1) values")
            }
            let g = group.dropLast()
            for (name, value) in zip(header.dropFirst(), values.dropFirst()) {
                guard let v = Double(value), v.isFinite else { continue }
                try put(&out, "\(g).\(name)", v)
            }
            i += 2
        }
        return out
    }

    /// /proc/interrupts: per line, the sum over CPUs → "interrupts.<irq>".
    public static func interrupts(_ text: String) throws -> CounterSnapshot {
        try bounded(text)
        var out: CounterSnapshot = [:]
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)[...]
        guard let header = lines.popFirst() else { return out }
        let cpus = header.split(separator: " ").filter { $0.hasPrefix("CPU") }.count
        guard cpus > 0 else { throw KGateError.infrastructure("/proc/interrupts has no CPU header", excerpt: String(header.prefix(200))) }
        for line in lines {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let label = fields.first, label.hasSuffix(":") else { continue }
            var total = 0.0
            for f in fields.dropFirst().prefix(cpus) {
                guard let v = Double(f) else { break }
                total += v
            }
            try put(&out, "interrupts.\(label.dropLast())", total)
        }
        return out
    }

    /// /proc/vmstat: the reclaim and compaction counters, and the order-9 requests of
    /// hugetlb and THP (`htlb_buddy_alloc_*`, `thp_*`).
    public static let vmstatPrefixes = ["allocstall", "kswapd", "compact", "pgscan", "pgsteal", "oom_kill", "workingset",
                                        "htlb_buddy", "thp_fault", "thp_collapse"]

    public static func vmstat(_ text: String) throws -> CounterSnapshot {
        try keyValue(text, prefix: "vmstat.") { name in vmstatPrefixes.contains { name.hasPrefix($0) } }
    }

    /// cgroup memory.stat (all fields, bytes or counts) → "memcg.stat.<key>".
    public static func memoryStat(_ text: String) throws -> CounterSnapshot {
        try keyValue(text, prefix: "memcg.stat.") { _ in true }
    }

    /// cgroup memory.events → "memcg.events.<key>".
    public static func memoryEvents(_ text: String) throws -> CounterSnapshot {
        try keyValue(text, prefix: "memcg.events.") { _ in true }
    }

    /// PSI memory.pressure: "some avg10=0.00 avg60=… total=N" → "memcg.pressure.some.total" etc.
    public static func pressure(_ text: String) throws -> CounterSnapshot {
        try bounded(text)
        var out: CounterSnapshot = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard let kind = fields.first, kind == "some" || kind == "full" else { continue }
            for f in fields.dropFirst() {
                let kv = f.split(separator: "=", maxSplits: 1)
                guard kv.count == 2, let v = Double(kv[1]), v.isFinite else { continue }
                try put(&out, "memcg.pressure.\(kind).\(kv[0])", v)
            }
        }
        return out
    }

    /// cgroup memory.peak (one number, bytes, since the cgroup was made) → "memcg.peak_bytes".
    public static func memoryPeak(_ text: String) throws -> CounterSnapshot {
        try bounded(text)
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let v = Double(t), v.isFinite, v >= 0 else {
            throw KGateError.infrastructure("memory.peak is not a number", excerpt: String(t.prefix(100)))
        }
        return ["memcg.peak_bytes": v]
    }

    /// Keys whose values are levels, not event counts: a trial reports their value after it.
    public static func isGauge(_ key: String) -> Bool {
        (key.hasPrefix("memcg.pressure.") && !key.hasSuffix(".total")) || key == "memcg.peak_bytes"
    }

    /// after − before per key (a key missing before counts from 0); gauges report their
    /// value after; zero deltas are dropped.
    public static func deltas(before: CounterSnapshot, after: CounterSnapshot) -> CounterSnapshot {
        var out: CounterSnapshot = [:]
        for (k, a) in after {
            let d = isGauge(k) ? a : a - (before[k] ?? 0)
            if d != 0 { out[k] = d }
        }
        return out
    }

    static func keyValue(_ text: String, prefix: String, keep: (String) -> Bool) throws -> CounterSnapshot {
        try bounded(text)
        var out: CounterSnapshot = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count == 2, let v = Double(f[1]), v.isFinite else { continue }
            let name = String(f[0])
            if keep(name) { try put(&out, prefix + name, v) }
        }
        return out
    }

    static func bounded(_ text: String) throws {
        guard text.utf8.count <= maxFileBytes else {
            throw KGateError.infrastructure("counter file is too large (\(text.utf8.count) bytes, limit \(maxFileBytes))")
        }
    }

    static func put(_ out: inout CounterSnapshot, _ key: String, _ value: Double) throws {
        guard key.count <= 160, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-:+()".contains($0)) }) else {
            throw KGateError.infrastructure("counter name is not plain ASCII: \(key.prefix(80))")
        }
        guard out.count < maxEntries else { throw KGateError.infrastructure("more than \(maxEntries) counters in one file") }
        out[key] = value
    }
}
