import Foundation
import KGateCore
import Testing
import TestSupport
@testable import Workloads

@Suite(.tags(.unit)) struct PlanTests {
    /// busybox sh -n: the generated plan parses.
    func checkSyntax(_ script: String) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kgate-plan-\(UUID().uuidString).sh")
        try script.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let r = try ProcessRunner.run("/bin/busybox", ["sh", "-n", url.path], timeout: 30)
        #expect(r.exitCode == 0, "busybox sh -n: \(r.stderr)")
    }

    @Test func builtinPlansParseAndCarryTheirSettings() throws {
        let specs = try WorkloadLoader.builtins()
        let script = PlanGenerator.script(specs.map { PlannedRun(spec: $0, trials: 2, firstTrial: 3) })
        try checkSyntax(script)
        for i in 1...specs.count { #expect(script.contains("kg_workload_\(i) || kg_rc=$?")) }
        #expect(script.contains("'netem' 'delay' '10ms' 'limit' '10000'"))
        #expect(script.contains("'netem' 'delay' '20ms' 'loss' '0.1%' 'limit' '10000'"))
        #expect(script.contains("kgate_run \"$kg_p.iperf3\" timeout 66 \"$KG_IP\" netns exec snd 'iperf3' '-c' '10.99.0.2'"))
        #expect(script.contains("'-P' '4'") && script.contains("setup.qdisc-rcv'"))
        #expect(script.contains("'root' 'fq'"))
        #expect(script.contains("'-u' '-b' '200M'"))
        #expect(script.contains("'sockperf' 'ping-pong' '--tcp'") && script.contains("'-m' '64'"))
        #expect(script.contains("echo 16M > /sys/fs/cgroup/kgate-rcv/memory.high"))
        #expect(script.contains("echo 64M > /sys/fs/cgroup/kgate-rcv/memory.max"))
        #expect(script.contains("kg_sysctl 'tcp-memcg.setup.sysctl.net.ipv4.tcp_rmem' 'net.ipv4.tcp_rmem' '4096 131072 33554432'"))
        #expect(script.contains("kg_sysctl 'tcp-stream-10ms.setup.sysctl.net.ipv4.tcp_congestion_control' 'net.ipv4.tcp_congestion_control' 'cubic'"))
        #expect(script.contains("for kg_t in 3 4; do"))
        #expect(script.contains("'-t' '5'") && script.contains("'-O' '1'") && script.contains("'--connect-timeout' '5000'"))
        #expect(script.hasSuffix("kgate_plan\n"))
    }

    @Test func optionsReachTheCommandLines() throws {
        var w = WorkloadSpec(name: "x", tool: .iperf3TCP, duration: 3, warmup: 0, flows: 1, reverse: true)
        w.tuning = TuningSpec(congestionControl: "bbr", mtu: 9000)
        w.shaping = ShapingSpec(snd: SideShaping(netem: NetemSpec(delayMs: 2.5, jitterMs: 1, rate: "500mbit", reorderPercent: 1)))
        let s = PlanGenerator.script([PlannedRun(spec: w, trials: 1)])
        try checkSyntax(s)
        #expect(s.contains("'-R'") && !s.contains("'-O'") && !s.contains("'-P'"))
        #expect(s.contains("'netem' 'delay' '2.5ms' '1ms' 'reorder' '1%' 'rate' '500mbit'"))
        #expect(s.contains("'link set veth-snd mtu 9000'") && s.contains("'link set veth-rcv mtu 9000'") && s.contains("'bbr'"))
        // One iproute2 start per namespace: the root's links, then each side's addresses and links.
        #expect(s.contains("kg_step 'x.setup.ip-root' \"$KG_IP\" '-batch' \"$KG_DIR/ip-root.batch\""))
        #expect(s.contains("kg_step 'x.setup.ip-snd' \"$KG_IP\" '-n' 'snd' '-batch' \"$KG_DIR/ip-snd.batch\""))
        #expect(!s.contains("'netns' 'add'"))
        w.reverse = false; w.bidirectional = true
        #expect(PlanGenerator.script([PlannedRun(spec: w, trials: 1)]).contains("'--bidir'"))
        #expect(PlannedRun(spec: w, trials: 3, firstTrial: 5).trialIndices == [5, 6, 7])
    }

    /// Where a trial's guest time goes (`GuestPhases` reads the marks) and the
    /// crng seeded from the boot's seed (`kgate-mm seed`) before any workload.
    @Test func plansMarkTheirPhasesAndSeedTheCrngFirst() throws {
        let w = WorkloadSpec(name: "x", tool: .iperf3TCP, duration: 1, warmup: 0)
        let s = PlanGenerator.script([PlannedRun(spec: w, trials: 2)])
        try checkSyntax(s)
        let order = ["kgate-mm seed", "kg_mark setup", "kg_mark snapshot", "kg_mark measure", "kgate_run", "kg_mark collect",
                     "kg_mark teardown", "kg_mark poweroff"]
        let at = try order.map { try #require(s.range(of: $0)?.lowerBound, "\($0) missing") }
        #expect(at == at.sorted())
        #expect(s.contains("echo \"kgate: phase $1 uptime=$kg_up\" > /dev/console"))
        // Workloads in a memory cgroup keep the crng's jitter wait (memcg-sockpressure's clamp depends on it).
        for name in ["memcg-sockpressure", "tcp-memcg"] {
            let memcg = try #require(try WorkloadLoader.builtins().first { $0.name == name })
            #expect(!PlanGenerator.script([PlannedRun(spec: memcg, trials: 1), PlannedRun(spec: w, trials: 1)])
                .contains("kgate-mm seed"))
        }
    }

    @Test func quotingSurvivesHostileText() {
        #expect(PlanGenerator.q("a'b") == #"'a'\''b'"#)
    }
}
