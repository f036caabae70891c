import Foundation
import KGateCore
import Testing
import TestSupport
@testable import Workloads

/// Parsers against outputs captured for real on the host (iperf3 3.12, sockperf 3.7, Linux 6.18).
@Suite(.tags(.unit)) struct ParserTests {
    @Test func iperf3TCPSingleAndMultiFlow() throws {
        let one = try ToolParsers.iperf3(try Fixtures.data("iperf3-tcp.json"), where: "f")
        #expect(one.receiverBps > 1e8 && one.senderBps > 1e8)
        #expect(abs(one.receiverBps - one.senderBps) / one.senderBps < 0.2)
        #expect(one.retransmits != nil)
        #expect((one.rttMeanUs ?? 0) > 0 && (one.rttMinUs ?? 0) <= (one.rttMeanUs ?? 0))
        #expect(one.udpLostPercent == nil && one.bytesReceived > 0)
        let four = try ToolParsers.iperf3(try Fixtures.data("iperf3-tcp-4flows.json"), where: "f")
        #expect(four.receiverBps > 1e8 && four.rttMeanUs != nil)
        // bidirectional sums both directions: more than the forward sum alone.
        let bidirData = try Fixtures.data("iperf3-tcp-bidir.json")
        let bidir = try ToolParsers.iperf3(bidirData, where: "f")
        let json = try #require(try JSONSerialization.jsonObject(with: bidirData) as? [String: Any])
        let end = try #require(json["end"] as? [String: Any])
        let fwd = try #require((end["sum_received"] as? [String: Any])?["bits_per_second"] as? Double)
        #expect(bidir.receiverBps > fwd)
    }

    @Test func iperf3UDPLossAndJitter() throws {
        let r = try ToolParsers.iperf3(try Fixtures.data("iperf3-udp.json"), where: "f")
        #expect(r.udpLostPercent != nil && r.udpJitterMs != nil && (r.udpPackets ?? 0) > 0)
        #expect(r.receiverBps > 1e8 && r.senderBps > 1.9e8 && r.senderBps < 2.1e8)
        #expect(r.retransmits == nil && r.rttMeanUs == nil)
    }

    @Test func iperf3ErrorsQuoteTheMessage() {
        let e = expectKGateError { _ = try ToolParsers.iperf3(try Fixtures.data("iperf3-connect-timeout.json"), where: "t1") }
        #expect(e?.what.contains("unable to connect to server: Connection timed out") == true)
        let r = expectKGateError { _ = try ToolParsers.iperf3(try Fixtures.data("iperf3-refused.json"), where: "t1") }
        #expect(r?.what.contains("Connection refused") == true)
        let junk = expectKGateError { _ = try ToolParsers.iperf3(Data("iperf3: error - no\n".utf8), where: "t1") }
        #expect(junk?.what.contains("not JSON") == true && junk?.excerpt?.contains("no") == true)
        let big = expectKGateError { _ = try ToolParsers.iperf3(Data(count: ToolParsers.maxToolOutputBytes + 1), where: "t") }
        #expect(big?.what.contains("too large") == true)
        let noEnd = expectKGateError { _ = try ToolParsers.iperf3(Data(#"{"end": {"sum_sent": {}}}"#.utf8), where: "t") }
        #expect(noEnd?.what.contains("sum_sent") == true)
    }

    @Test func sockperfPercentiles() throws {
        let r = try ToolParsers.sockperf(try Fixtures.data("sockperf-pingpong.out"), where: "f")
        #expect(r.avgUs == 24.983 && r.p50Us == 7.811 && r.p90Us == 10.581 && r.p99Us == 265.764 && r.p999Us == 2641.551)
        #expect(r.maxUs == 4730.828 && r.observations == 16629)
        let e = expectKGateError { _ = try ToolParsers.sockperf(try Fixtures.data("sockperf-refused.out"), where: "f") }
        #expect(e?.what.contains("Connection refused") == true)
        let empty = expectKGateError { _ = try ToolParsers.sockperf(Data("sockperf: Test ended\n".utf8), where: "f") }
        #expect(empty?.what.contains("no latency summary") == true)
    }

    @Test func procNetCounters() throws {
        let netstat = try CounterParsers.netstat(try Fixtures.text("proc-net-netstat.txt"))
        #expect(netstat["TcpExt.TCPMemoryPressures"] != nil && netstat["TcpExt.PruneCalled"] != nil)
        #expect(netstat["TcpExt.TCPRcvCollapsed"] != nil && netstat["IpExt.InOctets"] != nil)
        let snmp = try CounterParsers.netstat(try Fixtures.text("proc-net-snmp.txt"))
        #expect((snmp["Tcp.OutSegs"] ?? 0) > 0 && snmp["Tcp.RetransSegs"] != nil && snmp["Tcp.MaxConn"] == -1)
        #expect(snmp["Udp.InDatagrams"] != nil)
        let bad = expectKGateError { _ = try CounterParsers.netstat("TcpExt: A B\nTcpExt: 1\n") }
        #expect(bad?.what.contains("2 names but 1 values") == true)
        let unpaired = expectKGateError { _ = try CounterParsers.netstat("TcpExt: A B\nIpExt: 1 2\n") }
        #expect(unpaired?.what.contains("malformed") == true)
    }

    @Test func interruptsVmstatAndCgroupFiles() throws {
        let text = try Fixtures.text("proc-interrupts.txt")
        let irq = try CounterParsers.interrupts(text)
        #expect((irq["interrupts.LOC"] ?? 0) > 0)
        // per line total = sum over the CPU columns of that line.
        let loc = try #require(text.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("LOC:") })
        let cpus = text.split(separator: "\n")[0].split(separator: " ").count
        let sum = loc.split(separator: " ").dropFirst().prefix(cpus).compactMap { Double($0) }.reduce(0, +)
        #expect(irq["interrupts.LOC"] == sum)
        let vm = try CounterParsers.vmstat(try Fixtures.text("proc-vmstat.txt"))
        #expect(vm["vmstat.allocstall_normal"] != nil && vm.keys.contains { $0.hasPrefix("vmstat.compact") })
        #expect(vm["vmstat.nr_free_pages"] == nil)
        let psi = try CounterParsers.pressure(try Fixtures.text("proc-pressure-memory.txt"))
        #expect(psi["memcg.pressure.some.total"] != nil && psi["memcg.pressure.full.avg10"] != nil)
        // cgroup files captured in the guest (Linux 6.12, receiver cgroup with memory.high=4M).
        let stat = try CounterParsers.memoryStat(try Fixtures.text("guest-memory.stat"))
        #expect(stat["memcg.stat.sock"] != nil && stat["memcg.stat.anon"] != nil && stat.count > 20)
        let ev = try CounterParsers.memoryEvents(try Fixtures.text("guest-memory.events"))
        #expect(ev["memcg.events.high"] == 593 && ev["memcg.events.oom_kill"] == 0)
        let gpsi = try CounterParsers.pressure(try Fixtures.text("guest-memory.pressure"))
        #expect(gpsi["memcg.pressure.some.avg10"] == 98.78 && gpsi["memcg.pressure.full.total"] == 68081614)
        #expect(try CounterParsers.memoryPeak(try Fixtures.text("guest-memory.peak")) == ["memcg.peak_bytes": 25628672])
        let tooBig = expectKGateError { _ = try CounterParsers.vmstat(String(repeating: "x 1\n", count: 300_000)) }
        #expect(tooBig?.what.contains("too large") == true)
        let weird = expectKGateError { _ = try CounterParsers.memoryStat("sock$(reboot) 1\n") }
        #expect(weird?.what.contains("not plain ASCII") == true)
    }

    @Test func deltaMath() {
        let before: CounterSnapshot = ["a": 10, "b": 5, "memcg.pressure.some.avg10": 1.5, "memcg.pressure.some.total": 100, "gone": 3]
        let after: CounterSnapshot = ["a": 25, "b": 5, "c": 4, "memcg.pressure.some.avg10": 0.25, "memcg.pressure.some.total": 350]
        let d = CounterParsers.deltas(before: before, after: after)
        #expect(d == ["a": 15, "c": 4, "memcg.pressure.some.avg10": 0.25, "memcg.pressure.some.total": 250])
    }
}
