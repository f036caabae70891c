import Foundation
import KGateCore
import VirtualMachine

/// One trial of one workload, as measured.
public struct TrialResult: Sendable {
    public var sample: Sample
    public var iperf3: Iperf3Result?
    public var sockperf: SockperfResult?
    /// The tool's exit status in the guest.
    public var toolExitCode: Int32?
    /// The tool's stderr (bounded), quoted in failures.
    public var toolStderr: String
}

/// Turns the blobs of a boot into trial results.
public enum TrialAnalyzer {
    /// Throws for a setup failure (a `<workload>.setup.*.error` blob, quoting it) and for
    /// missing or malformed output; a tool that failed in a trial gives a Sample with `failure`.
    public static func analyze(_ run: PlannedRun, blobs: [GuestBlob]) throws -> [TrialResult] {
        var byName: [String: GuestBlob] = [:]
        for b in blobs { byName[b.name] = b }
        let w = run.spec
        if let setupError = blobs.first(where: { $0.name.hasPrefix("\(w.name).setup.") && $0.name.hasSuffix(".error") }) {
            let step = setupError.name.dropFirst("\(w.name).setup.".count).dropLast(".error".count)
            throw KGateError.usage("workload '\(w.name)': setup step '\(step)' failed in the guest",
                                   location: "guest blob \(setupError.name)",
                                   fix: "the guest kernel rejects this workload's setting; fix the workload or the kernel config")
                .with(excerpt: bounded(setupError.text))
        }
        return try run.trialIndices.map { t in try trial(w, t, byName) }
    }

    static func trial(_ w: WorkloadSpec, _ t: Int, _ blobs: [String: GuestBlob]) throws -> TrialResult {
        let tool = BlobNames.toolRun(w.name, t, w.tool)
        let stderr = bounded(blobs["\(tool).err"]?.text ?? "")
        var counters = try counterDeltas(w, t, blobs)
        if w.socketSampleSeconds != nil, let ss = blobs["\(BlobNames.trial(w.name, t)).rcv.ss"] {
            do {
                for (k, v) in SocketSamples.counters(try SocketSamples.parse(ss.text)) { counters[k] = v }
            } catch let e as KGateError {
                throw e.with(location: "guest blob \(ss.name)")
            }
        }
        var result = TrialResult(sample: Sample(workload: w.name, metric: w.metric.rawValue, unit: w.metric.unit,
                                                value: 0, trial: t),
                                 iperf3: nil, sockperf: nil, toolExitCode: nil, toolStderr: stderr)
        func fail(_ why: String) -> TrialResult {
            var r = result
            r.sample.counters = counters
            r.sample.failure = why
            return r
        }
        if let e = blobs["\(tool).error"] { return fail(bounded(e.text).trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard let out = blobs["\(tool).out"] else {
            throw KGateError.infrastructure("workload '\(w.name)' trial \(t): the guest sent no \(tool).out",
                                            fix: "the plan stopped early; see the console log")
        }
        result.toolExitCode = out.exitCode
        let location = "guest blob \(tool).out"
        let serverErr = bounded(blobs["\(BlobNames.trial(w.name, t)).server.err"]?.text ?? "")
        func quoted(_ e: KGateError) -> String {
            var s = e.what
            if !stderr.isEmpty { s += "; stderr: \(stderr)" }
            if !serverErr.isEmpty { s += "; server stderr: \(serverErr)" }
            return s
        }
        switch w.tool {
        case .iperf3TCP, .iperf3UDP:
            let r: Iperf3Result
            do { r = try ToolParsers.iperf3(out.data, where: location) } catch let e as KGateError {
                return fail("iperf3 failed (exit \(out.exitCode)): \(quoted(e))")
            }
            result.iperf3 = r
            counters["iperf3.sender_bps"] = r.senderBps
            counters["iperf3.receiver_bps"] = r.receiverBps
            if let v = r.retransmits { counters["iperf3.retransmits"] = v }
            if let v = r.rttMeanUs { counters["iperf3.rtt_mean_us"] = v }
            if let v = r.udpLostPercent { counters["iperf3.udp_lost_percent"] = v }
            if let v = r.udpJitterMs { counters["iperf3.udp_jitter_ms"] = v }
            result.sample.value = value(of: w.metric, r)
            result.sample.counters = counters
            if out.exitCode != 0 { result.sample.failure = "iperf3 exited \(out.exitCode): \(stderr)" }
            if r.bytesReceived == 0 || r.receiverBps == 0 {
                result.sample.failure = "no data delivered: the receiver read 0 bytes"
            } else if let lost = r.udpLostPercent, lost >= 100 {
                result.sample.failure = "100% UDP loss: no datagram delivered"
            }
        case .sockperfPingPong:
            let r: SockperfResult
            do { r = try ToolParsers.sockperf(out.data, where: location) } catch let e as KGateError {
                return fail("sockperf failed (exit \(out.exitCode)): \(quoted(e))")
            }
            result.sockperf = r
            for (k, v) in [("avg", r.avgUs), ("p50", r.p50Us), ("p90", r.p90Us), ("p99", r.p99Us), ("p999", r.p999Us)] {
                counters["sockperf.\(k)_us"] = v
            }
            counters["sockperf.observations"] = r.observations
            result.sample.value = value(of: w.metric, r)
            result.sample.counters = counters
            if out.exitCode != 0 { result.sample.failure = "sockperf exited \(out.exitCode): \(stderr)" }
        }
        return result
    }

    static func value(of metric: WorkloadMetric, _ r: Iperf3Result) -> Double {
        switch metric {
        case .throughputBps: return r.receiverBps
        case .senderThroughputBps: return r.senderBps
        case .retransmits: return r.retransmits ?? 0
        case .rttMeanUs: return r.rttMeanUs ?? 0
        case .udpLossPercent: return r.udpLostPercent ?? 0
        case .udpJitterMs: return r.udpJitterMs ?? 0
        default: return 0
        }
    }

    static func value(of metric: WorkloadMetric, _ r: SockperfResult) -> Double {
        switch metric {
        case .latencyAvgUs: return r.avgUs
        case .latencyP50Us: return r.p50Us
        case .latencyP90Us: return r.p90Us
        case .latencyP99Us: return r.p99Us
        case .latencyP999Us: return r.p999Us
        default: return 0
        }
    }

    /// Counter deltas of one trial from its before/after snapshots.
    static func counterDeltas(_ w: WorkloadSpec, _ t: Int, _ blobs: [String: GuestBlob]) throws -> CounterSnapshot {
        func snapshot(_ phase: String) throws -> CounterSnapshot {
            var all: CounterSnapshot = [:]
            func add(_ file: String, prefix: String, _ parse: (String) throws -> CounterSnapshot) throws {
                let name = BlobNames.snapshot(w.name, t, phase, file)
                guard let b = blobs[name] else { return }
                do {
                    for (k, v) in try parse(b.text) { all[prefix + k] = v }
                } catch let e as KGateError {
                    throw e.with(location: "guest blob \(name)")
                }
            }
            for ns in ["snd", "rcv"] {
                try add("\(ns).netstat", prefix: "\(ns).", CounterParsers.netstat)
                try add("\(ns).snmp", prefix: "\(ns).", CounterParsers.netstat)
            }
            try add("interrupts", prefix: "", CounterParsers.interrupts)
            try add("vmstat", prefix: "", CounterParsers.vmstat)
            if w.cgroup != nil {
                try add("memory.stat", prefix: "", CounterParsers.memoryStat)
                try add("memory.pressure", prefix: "", CounterParsers.pressure)
                try add("memory.events", prefix: "", CounterParsers.memoryEvents)
                try add("memory.peak", prefix: "", CounterParsers.memoryPeak)
            }
            return all
        }
        return CounterParsers.deltas(before: try snapshot("before"), after: try snapshot("after"))
    }

    static func bounded(_ s: String, limit: Int = 2000) -> String {
        s.count <= limit ? s : String(s.prefix(limit)) + "… (\(s.count - limit) more characters)"
    }
}

extension KGateError {
    func with(excerpt: String) -> KGateError { var e = self; e.excerpt = excerpt; return e }
    func with(location: String) -> KGateError { var e = self; e.location = location; return e }
}
