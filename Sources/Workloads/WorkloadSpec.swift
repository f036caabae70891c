import Foundation
import KGateCore

/// The measuring tool a workload runs inside the guest.
public enum WorkloadTool: String, Sendable, Codable, CaseIterable {
    case iperf3TCP = "iperf3-tcp"
    case iperf3UDP = "iperf3-udp"
    case sockperfPingPong = "sockperf-pingpong"
}

/// The figure a workload reports as its Sample value.
public enum WorkloadMetric: String, Sendable, Codable, CaseIterable {
    /// Receiver-side throughput (iperf3 `sum_received`), bits per second.
    case throughputBps = "throughput_bps"
    /// Sender-side throughput (iperf3 `sum_sent`).
    case senderThroughputBps = "sender_throughput_bps"
    case retransmits
    case rttMeanUs = "rtt_mean_us"
    case udpLossPercent = "udp_loss_percent"
    case udpJitterMs = "udp_jitter_ms"
    case latencyAvgUs = "latency_avg_us"
    case latencyP50Us = "latency_p50_us"
    case latencyP90Us = "latency_p90_us"
    case latencyP99Us = "latency_p99_us"
    case latencyP999Us = "latency_p999_us"

    public var unit: String {
        switch self {
        case .throughputBps, .senderThroughputBps: return "bit/s"
        case .retransmits: return "segments"
        case .rttMeanUs, .latencyAvgUs, .latencyP50Us, .latencyP90Us, .latencyP99Us, .latencyP999Us: return "us"
        case .udpLossPercent: return "%"
        case .udpJitterMs: return "ms"
        }
    }

    public var defaultDirection: MetricDirection {
        switch self {
        case .throughputBps, .senderThroughputBps: return .higherIsBetter
        default: return .lowerIsBetter
        }
    }

    public var tools: Set<WorkloadTool> {
        switch self {
        case .throughputBps, .senderThroughputBps: return [.iperf3TCP, .iperf3UDP]
        case .retransmits, .rttMeanUs: return [.iperf3TCP]
        case .udpLossPercent, .udpJitterMs: return [.iperf3UDP]
        case .latencyAvgUs, .latencyP50Us, .latencyP90Us, .latencyP99Us, .latencyP999Us: return [.sockperfPingPong]
        }
    }
}

/// netem parameters for one side's egress (veth in that namespace).
public struct NetemSpec: Sendable, Codable, Equatable {
    public var delayMs: Double?
    public var jitterMs: Double?
    public var lossPercent: Double?
    /// tc rate, e.g. "1gbit", "200mbit".
    public var rate: String?
    public var reorderPercent: Double?
    /// Queue limit in packets (netem's default 1000 is small for long fat paths).
    public var limit: Int?

    enum CodingKeys: String, CodingKey {
        case delayMs = "delay_ms", jitterMs = "jitter_ms", lossPercent = "loss_percent", rate
        case reorderPercent = "reorder_percent", limit
    }

    public init(delayMs: Double? = nil, jitterMs: Double? = nil, lossPercent: Double? = nil, rate: String? = nil,
                reorderPercent: Double? = nil, limit: Int? = nil) {
        self.delayMs = delayMs; self.jitterMs = jitterMs; self.lossPercent = lossPercent; self.rate = rate
        self.reorderPercent = reorderPercent; self.limit = limit
    }

    public var isEmpty: Bool {
        delayMs == nil && jitterMs == nil && lossPercent == nil && rate == nil && reorderPercent == nil && limit == nil
    }
}

/// Shaping of one side: netem, or a plain root qdisc (fq, fq_codel); not both.
public struct SideShaping: Sendable, Codable, Equatable {
    public var netem: NetemSpec?
    public var qdisc: String?
    public init(netem: NetemSpec? = nil, qdisc: String? = nil) { self.netem = netem; self.qdisc = qdisc }
}

public struct ShapingSpec: Sendable, Codable, Equatable {
    /// Egress of the sender's veth (data direction).
    public var snd: SideShaping?
    /// Egress of the receiver's veth (ACK direction).
    public var rcv: SideShaping?
    public init(snd: SideShaping? = nil, rcv: SideShaping? = nil) { self.snd = snd; self.rcv = rcv }
}

/// Two network namespaces `snd` and `rcv` joined by one veth pair.
public struct TopologySpec: Sendable, Codable, Equatable {
    public var sndAddress: String
    public var rcvAddress: String
    enum CodingKeys: String, CodingKey { case sndAddress = "snd_address", rcvAddress = "rcv_address" }
    public init(sndAddress: String = "10.99.0.1/24", rcvAddress: String = "10.99.0.2/24") {
        self.sndAddress = sndAddress; self.rcvAddress = rcvAddress
    }
    /// The receiver's address without the prefix length.
    public var rcvHost: String { String(rcvAddress.split(separator: "/").first ?? "") }
}

public struct TuningSpec: Sendable, Codable, Equatable {
    public var congestionControl: String?
    public var mtu: Int?
    /// sysctl name (dotted) → value, applied in the root namespace and in both
    /// workload namespaces wherever the name exists.
    public var sysctls: [String: String]?
    enum CodingKeys: String, CodingKey { case congestionControl = "congestion_control", mtu, sysctls }
    public init(congestionControl: String? = nil, mtu: Int? = nil, sysctls: [String: String]? = nil) {
        self.congestionControl = congestionControl; self.mtu = mtu; self.sysctls = sysctls
    }
}

/// A cgroup v2 the receiver (server) runs in.
public struct CgroupSpec: Sendable, Codable, Equatable {
    public var memoryMax: String?
    public var memoryHigh: String?
    enum CodingKeys: String, CodingKey { case memoryMax = "memory_max", memoryHigh = "memory_high" }
    public init(memoryMax: String? = nil, memoryHigh: String? = nil) { self.memoryMax = memoryMax; self.memoryHigh = memoryHigh }
}

/// Costly-order reclaim that walks the receiver's cgroup while it is far from any
/// limit (the memcg-sockpressure scenario): hot mapped file pages charged to the
/// receiver's cgroup on ext2 over a loop device (reclaim scans and keeps them), a
/// cold page-cache stream in a sibling cgroup, memory fragmented so that no order-9
/// block can form (one pinned page per 2 MiB block), and a trigger that asks for
/// order-9 pages every `intervalMs` during each trial. Needs `cgroup` and the
/// image's `kgate-mm` helper.
public struct MemoryPressureSpec: Sendable, Codable, Equatable {
    public enum Trigger: String, Sendable, Codable, CaseIterable {
        /// Writes vm.nr_hugepages: order-9 allocations with direct reclaim and kswapd at order 9.
        case hugetlb
        /// Faults MADV_HUGEPAGE regions with THP defrag=defer: kswapd woken at order 9.
        case thp
    }
    public var trigger: Trigger
    public var intervalMs: Int
    /// vm.nr_hugepages asked for in each round (hugetlb).
    public var hugepages: Int
    public var hotFileMiB: Int
    public var coldFileMiB: Int
    /// Pause between the 1 MiB reads of the cold stream.
    public var coldIntervalMs: Int
    /// Free memory left unfragmented by `kgate-mm frag`.
    public var keepFreeMiB: Int

    enum CodingKeys: String, CodingKey {
        case trigger, intervalMs = "interval_ms", hugepages, hotFileMiB = "hot_file_mib"
        case coldFileMiB = "cold_file_mib", coldIntervalMs = "cold_interval_ms", keepFreeMiB = "keep_free_mib"
    }

    public init(trigger: Trigger = .hugetlb, intervalMs: Int = 200, hugepages: Int = 2000, hotFileMiB: Int = 48,
                coldFileMiB: Int = 8, coldIntervalMs: Int = 50, keepFreeMiB: Int = 48) {
        self.trigger = trigger; self.intervalMs = intervalMs; self.hugepages = hugepages
        self.hotFileMiB = hotFileMiB; self.coldFileMiB = coldFileMiB; self.coldIntervalMs = coldIntervalMs
        self.keepFreeMiB = keepFreeMiB
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = MemoryPressureSpec()
        self.init(trigger: try c.decodeIfPresent(Trigger.self, forKey: .trigger) ?? d.trigger,
                  intervalMs: try c.decodeIfPresent(Int.self, forKey: .intervalMs) ?? d.intervalMs,
                  hugepages: try c.decodeIfPresent(Int.self, forKey: .hugepages) ?? d.hugepages,
                  hotFileMiB: try c.decodeIfPresent(Int.self, forKey: .hotFileMiB) ?? d.hotFileMiB,
                  coldFileMiB: try c.decodeIfPresent(Int.self, forKey: .coldFileMiB) ?? d.coldFileMiB,
                  coldIntervalMs: try c.decodeIfPresent(Int.self, forKey: .coldIntervalMs) ?? d.coldIntervalMs,
                  keepFreeMiB: try c.decodeIfPresent(Int.self, forKey: .keepFreeMiB) ?? d.keepFreeMiB)
    }
}

/// One network workload: what runs in the guest, on which path, and what it reports.
public struct WorkloadSpec: Sendable, Codable, Equatable {
    public var name: String
    public var description: String
    public var tool: WorkloadTool
    /// Measured seconds per trial.
    public var duration: Int
    /// Seconds measured but omitted first (iperf3 --omit; sockperf warm-up is its own).
    public var warmup: Int
    public var trials: Int
    /// Parallel streams (iperf3 -P).
    public var flows: Int
    public var reverse: Bool
    public var bidirectional: Bool
    /// iperf3 -b for UDP ("200M").
    public var udpRate: String?
    /// sockperf message size in bytes.
    public var messageSize: Int?
    public var topology: TopologySpec
    public var shaping: ShapingSpec
    public var tuning: TuningSpec
    public var cgroup: CgroupSpec?
    public var memoryPressure: MemoryPressureSpec?
    /// Receiver socket state (`ss -tin`) sampled every this many seconds during a trial
    /// (counters `rcv.ss.*`); nil: not sampled.
    public var socketSampleSeconds: Int?
    /// Counters the report always shows for this workload (the evidence of its
    /// mechanism), before the counters that moved most.
    public var evidence: [String]
    public var metric: WorkloadMetric
    public var direction: MetricDirection
    /// Regression threshold in percent; nil: the gate's default for the mode.
    public var thresholdPercent: Double?

    enum CodingKeys: String, CodingKey {
        case name, description, tool, duration, warmup, trials, flows, reverse, bidirectional
        case udpRate = "udp_rate", messageSize = "message_size", topology, shaping, tuning, cgroup, metric, direction
        case memoryPressure = "memory_pressure", socketSampleSeconds = "socket_sample_seconds", evidence
        case thresholdPercent = "threshold_percent"
    }

    public init(name: String, description: String = "", tool: WorkloadTool, duration: Int = 10, warmup: Int = 1,
                trials: Int = 5, flows: Int = 1, reverse: Bool = false, bidirectional: Bool = false,
                udpRate: String? = nil, messageSize: Int? = nil, topology: TopologySpec = TopologySpec(),
                shaping: ShapingSpec = ShapingSpec(), tuning: TuningSpec = TuningSpec(), cgroup: CgroupSpec? = nil,
                memoryPressure: MemoryPressureSpec? = nil, socketSampleSeconds: Int? = nil, evidence: [String] = [],
                metric: WorkloadMetric? = nil, direction: MetricDirection? = nil, thresholdPercent: Double? = nil) {
        self.name = name; self.description = description; self.tool = tool; self.duration = duration
        self.warmup = warmup; self.trials = trials; self.flows = flows; self.reverse = reverse
        self.bidirectional = bidirectional; self.udpRate = udpRate; self.messageSize = messageSize
        self.topology = topology; self.shaping = shaping; self.tuning = tuning; self.cgroup = cgroup
        self.memoryPressure = memoryPressure; self.socketSampleSeconds = socketSampleSeconds; self.evidence = evidence
        let m = metric ?? WorkloadSpec.defaultMetric(for: tool)
        self.metric = m
        self.direction = direction ?? m.defaultDirection
        self.thresholdPercent = thresholdPercent
    }

    public static func defaultMetric(for tool: WorkloadTool) -> WorkloadMetric {
        tool == .sockperfPingPong ? .latencyP50Us : .throughputBps
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let tool = try c.decode(WorkloadTool.self, forKey: .tool)
        self.init(
            name: try c.decode(String.self, forKey: .name),
            description: try c.decodeIfPresent(String.self, forKey: .description) ?? "",
            tool: tool,
            duration: try c.decodeIfPresent(Int.self, forKey: .duration) ?? 10,
            warmup: try c.decodeIfPresent(Int.self, forKey: .warmup) ?? 1,
            trials: try c.decodeIfPresent(Int.self, forKey: .trials) ?? 5,
            flows: try c.decodeIfPresent(Int.self, forKey: .flows) ?? 1,
            reverse: try c.decodeIfPresent(Bool.self, forKey: .reverse) ?? false,
            bidirectional: try c.decodeIfPresent(Bool.self, forKey: .bidirectional) ?? false,
            udpRate: try c.decodeIfPresent(String.self, forKey: .udpRate),
            messageSize: try c.decodeIfPresent(Int.self, forKey: .messageSize),
            topology: try c.decodeIfPresent(TopologySpec.self, forKey: .topology) ?? TopologySpec(),
            shaping: try c.decodeIfPresent(ShapingSpec.self, forKey: .shaping) ?? ShapingSpec(),
            tuning: try c.decodeIfPresent(TuningSpec.self, forKey: .tuning) ?? TuningSpec(),
            cgroup: try c.decodeIfPresent(CgroupSpec.self, forKey: .cgroup),
            memoryPressure: try c.decodeIfPresent(MemoryPressureSpec.self, forKey: .memoryPressure),
            socketSampleSeconds: try c.decodeIfPresent(Int.self, forKey: .socketSampleSeconds),
            evidence: try c.decodeIfPresent([String].self, forKey: .evidence) ?? [],
            metric: try c.decodeIfPresent(WorkloadMetric.self, forKey: .metric),
            direction: try c.decodeIfPresent(MetricDirection.self, forKey: .direction),
            thresholdPercent: try c.decodeIfPresent(Double.self, forKey: .thresholdPercent))
    }
}

extension TopologySpec {
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(sndAddress: try c.decodeIfPresent(String.self, forKey: .sndAddress) ?? "10.99.0.1/24",
                  rcvAddress: try c.decodeIfPresent(String.self, forKey: .rcvAddress) ?? "10.99.0.2/24")
    }
}
