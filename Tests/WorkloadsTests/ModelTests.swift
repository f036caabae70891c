import Foundation
import KGateCore
import Testing
import TestSupport
@testable import Workloads

@Suite(.tags(.unit)) struct ModelTests {
    @Test func builtinsLoadAndMatchTheDocumentedFiles() throws {
        let specs = try WorkloadLoader.builtins()
        #expect(specs.map(\.name) == ["tcp-stream-10ms", "tcp-loss-20ms", "tcp-4flows", "udp-rate", "rr-latency", "tcp-memcg",
                                     "memcg-sockpressure"])
        for spec in specs {
            let file = TestEnv.packageRoot.appendingPathComponent("pipelines/workloads/\(spec.name).yaml")
            #expect(try WorkloadLoader.load(file.path) == spec, "embedded \(spec.name) differs from \(file.path): rerun generate.sh")
            #expect(!spec.description.isEmpty)
        }
        let byName = Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0) })
        #expect(byName["tcp-stream-10ms"]?.shaping.snd?.netem?.delayMs == 10)
        #expect(byName["tcp-loss-20ms"]?.shaping.snd?.netem?.lossPercent == 0.1)
        #expect(byName["tcp-loss-20ms"]?.shaping.snd?.netem?.delayMs == 20)
        #expect(byName["tcp-4flows"]?.flows == 4)
        #expect(byName["udp-rate"]?.udpRate == "200M")
        #expect(byName["rr-latency"]?.tool == .sockperfPingPong)
        #expect(byName["rr-latency"]?.direction == .lowerIsBetter)
        #expect(byName["tcp-memcg"]?.cgroup?.memoryHigh == "16M")
        #expect(byName["tcp-stream-10ms"]?.direction == .higherIsBetter)
    }

    @Test func unknownWorkloadListsTheKnownOnes() {
        let e = expectKGateError { _ = try WorkloadLoader.load("tcp-nonesuch") }
        #expect(e?.blame == .input)
        #expect(e?.what.contains("tcp-nonesuch") == true)
        #expect(e?.fix?.contains("tcp-stream-10ms") == true && e?.fix?.contains("tcp-memcg") == true)
    }

    static let base = """
    name: t
    tool: iperf3-tcp
    duration: 2

    """

    func error(_ yaml: String) -> KGateError? {
        expectKGateError { _ = try WorkloadLoader.parse(yaml: yaml, source: "test.yaml") }
    }

    @Test func errorsNameTheKey() {
        let cases: [(String, String)] = [
            (Self.base + "durationn: 3\n", "durationn"),
            (Self.base + "shaping:\n  snd:\n    netem: {delay: 10}\n", "shaping.snd.netem.delay"),
            (Self.base + "shaping:\n  snd:\n    netem: {loss_percent: 150}\n", "shaping.snd.netem.loss_percent"),
            (Self.base + "shaping:\n  snd:\n    netem: {rate: fast}\n", "shaping.snd.netem.rate"),
            (Self.base + "shaping:\n  snd:\n    netem: {reorder_percent: 5}\n", "shaping.snd.netem.reorder_percent"),
            (Self.base + "shaping:\n  rcv:\n    qdisc: fq\n    netem: {delay_ms: 1}\n", "shaping.rcv.qdisc"),
            (Self.base + "shaping:\n  rcv:\n    qdisc: pie\n", "shaping.rcv.qdisc"),
            (Self.base + "tuning:\n  congestion_control: vegas\n", "tuning.congestion_control"),
            (Self.base + "tuning:\n  sysctls:\n    \"net.ipv4.tcp_rmem\": \"1; reboot\"\n", "tuning.sysctls.net.ipv4.tcp_rmem"),
            (Self.base + "tuning:\n  sysctls:\n    \"../../etc\": \"1\"\n", "tuning.sysctls"),
            (Self.base + "tuning:\n  mtu: 10\n", "tuning.mtu"),
            (Self.base + "cgroup:\n  memory_max: lots\n", "cgroup.memory_max"),
            (Self.base + "topology:\n  rcv_address: 10.99.0.300/24\n", "topology.rcv_address"),
            (Self.base + "metric: latency_p99_us\n", "metric"),
            (Self.base + "udp_rate: 100M\n", "udp_rate"),
            (Self.base + "flows: 0\n", "flows"),
            (Self.base + "duration: 0\n", "duration"),
            (Self.base + "reverse: true\nbidirectional: true\n", "reverse"),
            ("name: t\ntool: iperf3-udp\n", "udp_rate"),
            ("name: t\ntool: netperf\n", "tool"),
            ("tool: iperf3-tcp\n", "name"),
            ("name: Bad Name\ntool: iperf3-tcp\n", "name"),
            (Self.base + "duration: fast\n", "duration"),
        ]
        for (yaml, key) in cases {
            let e = error(yaml)
            #expect(e?.blame == .input, "no usage error for \(key)")
            #expect(e?.what.contains(key) == true, "error '\(e?.what ?? "nil")' does not name \(key)")
            #expect(e?.location == "test.yaml")
        }
    }

    @Test func defaultsAndYamlRoundTrip() throws {
        let spec = try WorkloadLoader.parse(yaml: Self.base, source: "t")
        #expect(spec.metric == .throughputBps && spec.direction == .higherIsBetter && spec.unit == "bit/s")
        #expect(spec.topology.rcvHost == "10.99.0.2" && spec.warmup == 1 && spec.flows == 1)
        let rr = try WorkloadLoader.parse(yaml: "name: r\ntool: sockperf-pingpong\nmetric: latency_p99_us\n", source: "t")
        #expect(rr.direction == .lowerIsBetter && rr.metric.unit == "us")
    }
}

extension WorkloadSpec { var unit: String { metric.unit } }
