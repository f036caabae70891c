import Foundation
import KGateCore
import Testing
import TestSupport
@testable import Workloads

/// The memcg-sockpressure parts of a plan: memory pressure, socket samples, evidence.
@Suite(.tags(.unit)) struct PressureTests {
    func builtin(_ name: String) throws -> WorkloadSpec {
        try #require(try WorkloadLoader.builtins().first { $0.name == name })
    }

    @Test func sockpressurePlanSetsUpPressureAndSamplesTheReceiver() throws {
        let w = try builtin("memcg-sockpressure")
        let mp = try #require(w.memoryPressure)
        #expect(mp == MemoryPressureSpec(trigger: .hugetlb, intervalMs: 200, hugepages: 2000, hotFileMiB: 48,
                                         coldFileMiB: 8, coldIntervalMs: 50, keepFreeMiB: 48))
        #expect(w.socketSampleSeconds == 1)
        #expect(w.evidence.first == "rcv.ss.rcv_ssthresh.max")
        let script = PlanGenerator.script([PlannedRun(spec: w, trials: 1, firstTrial: 4)])
        #expect(script.contains("kg_mp_setup() {"))
        #expect(script.contains("kg_mp_setup 'memcg-sockpressure.setup.pressure' 48 8 48 hugetlb 0.050 || { kg_teardown; return 2; }"))
        #expect(script.contains("kg_mp_start hugetlb 200 2000\n"))
        #expect(script.contains("kg_ss_start 1\n"))
        #expect(script.contains("kgate_put \"$kg_p.rcv.ss\" \"$KG_DIR/ss.txt\""))
        #expect(script.contains("kg_sysctl 'memcg-sockpressure.setup.sysctl.vm.watermark_boost_factor' 'vm.watermark_boost_factor' '0'"))
        // Pressure starts after the cgroup exists and before the trials.
        let setup = try #require(script.range(of: "kg_mp_setup 'memcg"))
        let cgroup = try #require(script.range(of: "setup.cgroup-memory.max"))
        let trials = try #require(script.range(of: "for kg_t in 4; do"))
        #expect(cgroup.lowerBound < setup.lowerBound && setup.lowerBound < trials.lowerBound)
        let plain = PlanGenerator.script([PlannedRun(spec: try builtin("tcp-stream-10ms"), trials: 1)])
        #expect(!plain.contains("kg_mp_setup") && !plain.contains("kg_ss_start"))
    }

    /// kg_kill on the host's busybox: a helper's children die with it (busybox has no pkill).
    @Test func killTakesTheChildrenAlong() throws {
        let dir = try TestEnv.temporaryDirectory("kg-kill")
        defer { try? FileManager.default.removeItem(at: dir) }
        let marker = "31\(Int.random(in: 100...999))7"
        // A pattern that matches the marker but not grep's own command line.
        let pattern = marker.dropLast() + "[7]"
        let script = PlanGenerator.pressureFunctions + """
            sh -c "sleep \(marker) & sleep \(marker)1; :" &
            p=$!
            sleep 0.3
            before=$(grep -l '\(pattern)' /proc/[0-9]*/cmdline 2>/dev/null | wc -l)
            kg_kill $p
            sleep 0.3
            after=$(grep -l '\(pattern)' /proc/[0-9]*/cmdline 2>/dev/null | wc -l)
            echo "$before $after"
            """
        let url = dir.appendingPathComponent("t.sh")
        try script.write(to: url, atomically: true, encoding: .utf8)
        let r = try ProcessRunner.run("/bin/busybox", ["sh", url.path], timeout: 30)
        let counts = r.stdout.split(separator: "\n").last.map { $0.split(separator: " ").compactMap { Int($0) } } ?? []
        #expect(counts.count == 2 && counts[0] >= 2, "before: \(r.stdout) \(r.stderr)")
        #expect(counts.last == 0, "children left running: \(r.stdout) \(r.stderr)")
    }

    @Test func socketSamplesFollowTheDataSocket() throws {
        let samples = try SocketSamples.parse(try Fixtures.text("ss-samples.txt"))
        // The empty third sample is skipped; the control connection (164 bytes) never wins.
        #expect(samples.map { $0["rcv_ssthresh"] } == [5792, 11584, 5792])
        #expect(samples.map { $0["rcvmss"] } == [1448, 1448, 1448])
        let c = SocketSamples.counters(samples)
        #expect(c["rcv.ss.rcv_ssthresh.max"] == 11584)
        #expect(c["rcv.ss.rcv_ssthresh.median"] == 5792)
        #expect(c["rcv.ss.rcv_space.max"] == 14480)
        #expect(c["rcv.ss.samples"] == 3)
        #expect(SocketSamples.counters([]).isEmpty)
    }

    @Test func socketSampleErrorsAndOversizeAreInfrastructure() {
        #expect(throws: KGateError.self) { try SocketSamples.parse("@@error no iproute2 ss in the guest\n") }
        let big = String(repeating: "x", count: SocketSamples.maxBytes + 1)
        #expect(throws: KGateError.self) { try SocketSamples.parse(big) }
        // Hostile lines are skipped, not trusted.
        #expect((try? SocketSamples.parse("@@sample 1\n bytes_received:-5 rcv_ssthresh:nan\n")) == [])
    }

    @Test func pressureNeedsTheReceiversCgroupAndSaneSizes() throws {
        var w = try builtin("memcg-sockpressure")
        w.cgroup = nil
        #expect { try w.validate(source: "t") } throws: { ($0 as? KGateError)?.what.contains("memory_pressure") == true }
        w = try builtin("memcg-sockpressure")
        w.memoryPressure?.intervalMs = 5
        #expect { try w.validate(source: "t") } throws: { ($0 as? KGateError)?.what.contains("interval_ms") == true }
        w = try builtin("memcg-sockpressure")
        w.evidence = ["memcg.stat.pgscan; rm -rf /"]
        #expect { try w.validate(source: "t") } throws: { ($0 as? KGateError)?.what.contains("evidence") == true }
        w = try builtin("rr-latency")
        w.socketSampleSeconds = 1
        #expect { try w.validate(source: "t") } throws: { ($0 as? KGateError)?.what.contains("socket_sample_seconds") == true }
    }

    @Test func unknownPressureKeyIsRejected() throws {
        let dir = try TestEnv.temporaryDirectory("mp-yaml")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("w.yaml")
        try "name: w\ntool: iperf3-tcp\ncgroup: {memory_max: 64M}\nmemory_pressure: {trigger: hugetlb, hot_mib: 3}\n"
            .write(to: url, atomically: true, encoding: .utf8)
        #expect { try WorkloadLoader.load(url.path) } throws: { "\($0)".contains("hot_mib") }
    }
}
