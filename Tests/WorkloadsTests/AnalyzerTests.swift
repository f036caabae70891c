import Foundation
import KGateCore
import Testing
import TestSupport
import VirtualMachine
@testable import Workloads

/// The analyzer on blob sets that generated plans produced for real on the host
/// (busybox sh, real ip/tc/iperf3/sockperf in two namespaces; Fixtures/host-harness.sh).
@Suite(.tags(.unit)) struct AnalyzerTests {
    @Test func tcpTrialsHaveThroughputAndCounterDeltas() throws {
        let spec = try Fixtures.spec("host-tcp")
        let results = try TrialAnalyzer.analyze(PlannedRun(spec: spec, trials: 2), blobs: try Fixtures.blobs("host-tcp"))
        #expect(results.map(\.sample.trial) == [1, 2])
        for r in results {
            #expect(r.sample.failure == nil)
            #expect(r.sample.value > 1e8 && r.sample.metric == "throughput_bps" && r.sample.unit == "bit/s")
            let c = r.sample.counters
            #expect((c["snd.Tcp.OutSegs"] ?? 0) > 1000 && (c["rcv.Tcp.InSegs"] ?? 0) > 1000)
            #expect((c["rcv.IpExt.InOctets"] ?? 0) > r.sample.value / 8)  // at least one second of payload
            #expect(c.keys.contains { $0.hasPrefix("interrupts.") })
            #expect(c["iperf3.sender_bps"] != nil && c["iperf3.retransmits"] != nil)
            #expect(!c.values.contains(0))
        }
    }

    @Test func udpAndLatencyTrials() throws {
        let udp = try TrialAnalyzer.analyze(PlannedRun(spec: try Fixtures.spec("host-udp"), trials: 1),
                                            blobs: try Fixtures.blobs("host-udp"))
        #expect(udp.count == 1 && udp[0].sample.failure == nil && udp[0].sample.value > 1e8)
        #expect(udp[0].sample.counters["iperf3.udp_lost_percent"] != nil || udp[0].iperf3?.udpLostPercent == 0)
        #expect((udp[0].sample.counters["rcv.Udp.InDatagrams"] ?? 0) > 1000)
        let rr = try TrialAnalyzer.analyze(PlannedRun(spec: try Fixtures.spec("host-rr"), trials: 1),
                                           blobs: try Fixtures.blobs("host-rr"))
        #expect(rr[0].sample.failure == nil && rr[0].sample.metric == "latency_p50_us")
        #expect(rr[0].sample.value > 0 && rr[0].sample.value == rr[0].sockperf?.p50Us)
        #expect((rr[0].sample.counters["sockperf.p99_us"] ?? 0) >= rr[0].sample.value)
    }

    @Test func setupFailuresQuoteTheGuest() throws {
        let netem = expectKGateError {
            _ = try TrialAnalyzer.analyze(PlannedRun(spec: try Fixtures.spec("host-netem"), trials: 1),
                                          blobs: try Fixtures.blobs("host-netem"))
        }
        #expect(netem?.blame == .input && netem?.what.contains("netem-snd") == true)
        #expect(netem?.excerpt?.contains("Specified qdisc kind is unknown") == true)
        let sysctl = expectKGateError {
            _ = try TrialAnalyzer.analyze(PlannedRun(spec: try Fixtures.spec("host-nosysctl"), trials: 1),
                                          blobs: try Fixtures.blobs("host-nosysctl"))
        }
        #expect(sysctl?.what.contains("sysctl.net.ipv4.tcp_no_such_knob") == true)
        #expect(sysctl?.excerpt?.contains("does not exist in this kernel") == true)
    }

    @Test func toolFailureIsALabelledSampleQuotingStderr() throws {
        let spec = WorkloadSpec(name: "lossy", tool: .iperf3TCP, duration: 1)
        let blobs = [
            GuestBlob(name: "lossy.t1.iperf3.out", data: try Fixtures.data("iperf3-connect-timeout.json"), exitCode: 1),
            GuestBlob(name: "lossy.t1.iperf3.err", data: Data("warning: something on stderr\n".utf8), exitCode: 1),
        ]
        let r = try TrialAnalyzer.analyze(PlannedRun(spec: spec, trials: 1), blobs: blobs)
        let failure = try #require(r[0].sample.failure)
        #expect(failure.contains("Connection timed out") && failure.contains("something on stderr") && failure.contains("exit 1"))
        #expect(r[0].sample.value == 0)
        // The plan stopped before the trial: an error, not a number.
        let missing = expectKGateError { _ = try TrialAnalyzer.analyze(PlannedRun(spec: spec, trials: 2), blobs: blobs) }
        #expect(missing?.what.contains("trial 2") == true)
    }

    @Test func zeroDeliveryIsLabelled() throws {
        var json = try #require(try JSONSerialization.jsonObject(with: try Fixtures.data("iperf3-tcp.json")) as? [String: Any])
        var end = try #require(json["end"] as? [String: Any])
        end["sum_received"] = ["bytes": 0, "bits_per_second": 0]
        json["end"] = end
        let spec = WorkloadSpec(name: "zero", tool: .iperf3TCP, duration: 1)
        let r = try TrialAnalyzer.analyze(PlannedRun(spec: spec, trials: 1), blobs: [
            GuestBlob(name: "zero.t1.iperf3.out", data: try JSONSerialization.data(withJSONObject: json), exitCode: 0),
        ])
        #expect(r[0].sample.failure?.contains("no data delivered") == true && r[0].sample.value == 0)
    }
}
