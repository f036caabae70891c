import Foundation
import KGateCore

/// Checks a spec before any plan is generated. Every error names the key.
extension WorkloadSpec {
    public func validate(source: String) throws {
        func bad(_ key: String, _ why: String, fix: String? = nil) -> KGateError {
            KGateError.usage("workload '\(name)': \(key): \(why)", location: source, fix: fix)
        }
        guard name.range(of: #"^[a-z0-9][a-z0-9-]{0,47}$"#, options: .regularExpression) != nil else {
            throw KGateError.usage("workload name: '\(name)' must match [a-z0-9][a-z0-9-]{0,47}", location: source)
        }
        guard (1...3600).contains(duration) else { throw bad("duration", "\(duration) is outside 1...3600 seconds") }
        guard (0...600).contains(warmup) else { throw bad("warmup", "\(warmup) is outside 0...600 seconds") }
        guard (1...1000).contains(trials) else { throw bad("trials", "\(trials) is outside 1...1000") }
        guard (1...128).contains(flows) else { throw bad("flows", "\(flows) is outside 1...128") }
        if reverse && bidirectional { throw bad("reverse", "reverse and bidirectional exclude each other") }
        if tool == .sockperfPingPong {
            if reverse || bidirectional { throw bad(reverse ? "reverse" : "bidirectional", "is an iperf3 option; the tool is \(tool.rawValue)") }
            if flows != 1 { throw bad("flows", "sockperf ping-pong runs one flow") }
            if udpRate != nil { throw bad("udp_rate", "is for iperf3-udp") }
            if let m = messageSize, !(14...65000).contains(m) { throw bad("message_size", "\(m) is outside 14...65000 bytes") }
        } else if messageSize != nil {
            throw bad("message_size", "is for sockperf-pingpong")
        }
        if tool == .iperf3UDP {
            guard let rate = udpRate else { throw bad("udp_rate", "is required for iperf3-udp", fix: "e.g. udp_rate: 200M") }
            guard rate.range(of: #"^[0-9]{1,6}(\.[0-9]{1,3})?[KMG]?$"#, options: .regularExpression) != nil else {
                throw bad("udp_rate", "'\(rate)' is not an iperf3 rate like 200M or 1.5G")
            }
        } else if tool == .iperf3TCP, udpRate != nil {
            throw bad("udp_rate", "is for iperf3-udp")
        }
        guard metric.tools.contains(tool) else {
            let fitting = WorkloadMetric.allCases.filter { $0.tools.contains(tool) }.map(\.rawValue)
            throw bad("metric", "\(metric.rawValue) is not measured by \(tool.rawValue)", fix: "use one of: \(fitting.joined(separator: ", "))")
        }
        if let t = thresholdPercent, !(t > 0 && t < 100) { throw bad("threshold_percent", "\(t) is outside (0, 100)") }
        try validateTopology(bad)
        try validateShaping(bad)
        try validateTuning(bad)
        if let cg = cgroup {
            for (key, value) in [("cgroup.memory_max", cg.memoryMax), ("cgroup.memory_high", cg.memoryHigh)] {
                if let v = value, v.range(of: #"^([0-9]{1,15}[KMG]?|max)$"#, options: .regularExpression) == nil {
                    throw bad(key, "'\(v)' is not a size like 64M or 'max'")
                }
            }
            if cg.memoryMax == nil && cg.memoryHigh == nil { throw bad("cgroup", "set memory_max or memory_high") }
        }
        try validatePressureAndEvidence(bad)
    }

    private func validatePressureAndEvidence(_ bad: (String, String, String?) -> KGateError) throws {
        if let mp = memoryPressure {
            if cgroup == nil {
                throw bad("memory_pressure", "needs the receiver's cgroup: reclaim must walk it", "add cgroup: {memory_max: 512M}")
            }
            let ranges: [(String, Int, ClosedRange<Int>)] = [
                ("interval_ms", mp.intervalMs, 10...10_000), ("hugepages", mp.hugepages, 1...100_000),
                ("hot_file_mib", mp.hotFileMiB, 1...1024), ("cold_file_mib", mp.coldFileMiB, 1...1024),
                ("cold_interval_ms", mp.coldIntervalMs, 10...10_000),
                ("keep_free_mib", mp.keepFreeMiB, 8...4096),
            ]
            for (key, value, range) in ranges where !range.contains(value) {
                throw bad("memory_pressure.\(key)", "\(value) is outside \(range.lowerBound)...\(range.upperBound)", nil)
            }
        }
        if let s = socketSampleSeconds {
            guard tool != .sockperfPingPong else { throw bad("socket_sample_seconds", "samples iperf3's TCP receiver", nil) }
            guard (1...3600).contains(s) else { throw bad("socket_sample_seconds", "\(s) is outside 1...3600", nil) }
        }
        guard evidence.count <= 16 else { throw bad("evidence", "\(evidence.count) counters; at most 16", nil) }
        for e in evidence where e.range(of: #"^[A-Za-z0-9._:+()-]{1,160}$"#, options: .regularExpression) == nil {
            throw bad("evidence", "'\(e.prefix(80))' is not a counter name like memcg.stat.pgscan", nil)
        }
    }

    private func validateTopology(_ bad: (String, String, String?) -> KGateError) throws {
        for (key, value) in [("topology.snd_address", topology.sndAddress), ("topology.rcv_address", topology.rcvAddress)] {
            let parts = value.split(separator: "/")
            let octets = parts.first.map { $0.split(separator: ".", omittingEmptySubsequences: false) } ?? []
            let okOctets = octets.count == 4 && octets.allSatisfy { o in o.count <= 3 && UInt8(o) != nil }
            let okPrefix = parts.count == 2 && (Int(parts[1]).map { (8...30).contains($0) } ?? false)
            guard okOctets && okPrefix else { throw bad(key, "'\(value)' is not an IPv4 address with a /8../30 prefix", nil) }
        }
        if topology.sndAddress == topology.rcvAddress { throw bad("topology.rcv_address", "equals snd_address", nil) }
    }

    private func validateShaping(_ bad: (String, String, String?) -> KGateError) throws {
        for (side, s) in [("snd", shaping.snd), ("rcv", shaping.rcv)] {
            guard let s else { continue }
            let p = "shaping.\(side)"
            if let q = s.qdisc {
                guard ["fq", "fq_codel"].contains(q) else { throw bad("\(p).qdisc", "'\(q)' is not fq or fq_codel", nil) }
                if let n = s.netem, !n.isEmpty {
                    throw bad("\(p).qdisc", "netem is the root qdisc on this side; put \(q) on the other side", nil)
                }
            }
            guard let n = s.netem else { continue }
            if let d = n.delayMs, !(0...10_000).contains(d) { throw bad("\(p).netem.delay_ms", "\(d) is outside 0...10000", nil) }
            if let j = n.jitterMs {
                guard (0...10_000).contains(j) else { throw bad("\(p).netem.jitter_ms", "\(j) is outside 0...10000", nil) }
                if n.delayMs == nil { throw bad("\(p).netem.jitter_ms", "needs delay_ms", nil) }
            }
            if let l = n.lossPercent, !(0...100).contains(l) { throw bad("\(p).netem.loss_percent", "\(l) is outside 0...100", nil) }
            if let r = n.reorderPercent {
                guard (0...100).contains(r) else { throw bad("\(p).netem.reorder_percent", "\(r) is outside 0...100", nil) }
                if (n.delayMs ?? 0) <= 0 { throw bad("\(p).netem.reorder_percent", "netem reorders only with a delay", "set delay_ms") }
            }
            if let r = n.rate, r.range(of: #"^[0-9]{1,6}(\.[0-9]{1,3})?(bit|kbit|mbit|gbit)$"#, options: .regularExpression) == nil {
                throw bad("\(p).netem.rate", "'\(r)' is not a tc rate like 500mbit or 1gbit", nil)
            }
            if let l = n.limit, !(1...1_000_000).contains(l) { throw bad("\(p).netem.limit", "\(l) is outside 1...1000000", nil) }
        }
    }

    private func validateTuning(_ bad: (String, String, String?) -> KGateError) throws {
        if let cc = tuning.congestionControl, !["cubic", "bbr", "reno"].contains(cc) {
            throw bad("tuning.congestion_control", "'\(cc)' is not cubic, bbr or reno", nil)
        }
        if let m = tuning.mtu, !(576...65535).contains(m) { throw bad("tuning.mtu", "\(m) is outside 576...65535", nil) }
        for (k, v) in tuning.sysctls ?? [:] {
            guard k.range(of: #"^[a-z0-9_]+(\.[a-z0-9_-]+){1,6}$"#, options: .regularExpression) != nil, k.count <= 128 else {
                throw bad("tuning.sysctls.\(k)", "not a dotted sysctl name like net.ipv4.tcp_rmem", nil)
            }
            guard v.range(of: #"^[A-Za-z0-9 _.:-]{1,256}$"#, options: .regularExpression) != nil else {
                throw bad("tuning.sysctls.\(k)", "value '\(v)' may hold only letters, digits, spaces and _.:-", nil)
            }
        }
    }
}
