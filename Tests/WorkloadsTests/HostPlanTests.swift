import Foundation
import KGateCore
import Testing
import TestSupport
import VirtualMachine
@testable import Workloads

/// Runs a generated plan for real on this host (root, iperf3, iproute2, busybox):
/// two namespaces, veth, one iperf3 trial; blobs are files written by stub
/// protocol functions. Proves the shell plan and the analyzer end to end without a VM.
@Suite(.serialized, .tags(.network), .needs(.hostNetwork)) struct HostPlanTests {
    /// A namespace left by someone else would collide with the plan's names.
    static var noNamespacesInUse: Bool {
        (try? ProcessRunner.run("/bin/sh", ["-c", "ip netns list"], timeout: 10).stdout.isEmpty) ?? false
    }

    @Test(.enabled(if: noNamespacesInUse, "network namespaces are in use on this host"))
    func planRunsOnTheHost() throws {
        let spec = WorkloadSpec(name: "host-live", tool: .iperf3TCP, duration: 1, warmup: 0, flows: 2,
                                tuning: TuningSpec(mtu: 9000, sysctls: ["net.ipv4.tcp_wmem": "4096 16384 4194304"]))
        let out = try TestEnv.temporaryDirectory("host-plan")
        let plan = out.appendingPathComponent("plan.sh")
        try PlanGenerator.script([PlannedRun(spec: spec, trials: 1, firstTrial: 7)]).write(to: plan, atomically: true, encoding: .utf8)
        let wmemBefore = try String(contentsOfFile: "/proc/sys/net/ipv4/tcp_wmem", encoding: .utf8)
        let blobsDir = out.appendingPathComponent("blobs")
        let r = try ProcessRunner.run(Fixtures.dir.appendingPathComponent("host-harness.sh").path, [blobsDir.path, plan.path],
                                      timeout: 60)
        #expect(r.stderr.contains("@@KGATE DONE 0"), "plan stderr: \(r.stderr)")
        #expect(try String(contentsOfFile: "/proc/sys/net/ipv4/tcp_wmem", encoding: .utf8) == wmemBefore, "sysctl not restored")
        #expect(try ProcessRunner.run("/bin/sh", ["-c", "ip netns list"], timeout: 10).stdout.isEmpty, "namespaces left behind")
        // The namespace anchors (kg_anchor) are gone too: a process left in a deleted namespace keeps it alive.
        #expect(try ProcessRunner.run("/bin/sh", ["-c", "pgrep -f '^sleep 1000000$' || true"], timeout: 10).stdout.isEmpty,
                "a namespace anchor was left running")
        let results = try TrialAnalyzer.analyze(PlannedRun(spec: spec, trials: 1, firstTrial: 7), blobs: try Fixtures.blobs(in: blobsDir))
        #expect(results.count == 1 && results[0].sample.trial == 7 && results[0].sample.failure == nil)
        #expect(results[0].sample.value > 1e8 && (results[0].sample.counters["snd.Tcp.OutSegs"] ?? 0) > 100)
    }
}
