import Foundation
import KGateCore

extension PlanGenerator {
    /// tc arguments for a netem spec ("delay 10ms 1ms loss 0.1% ...").
    static func netemArguments(_ n: NetemSpec) -> [String] {
        var a = ["netem"]
        if let d = n.delayMs {
            a += ["delay", "\(fmt(d))ms"]
            if let j = n.jitterMs { a.append("\(fmt(j))ms") }
        }
        if let l = n.lossPercent { a += ["loss", "\(fmt(l))%"] }
        if let r = n.reorderPercent { a += ["reorder", "\(fmt(r))%"] }
        if let r = n.rate { a += ["rate", r] }
        if let l = n.limit { a += ["limit", String(l)] }
        return a
    }

    static func fmt(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e12 ? String(Int(v)) : String(v)
    }

    /// The client command line run in `snd` (after `ip netns exec snd`).
    static func clientCommand(_ w: WorkloadSpec) -> [String] {
        let host = w.topology.rcvHost
        switch w.tool {
        case .iperf3TCP, .iperf3UDP:
            var a = ["iperf3", "-c", host, "-p", String(iperfPort), "-J", "-t", String(w.duration),
                     "--connect-timeout", "5000"]
            if w.warmup > 0 { a += ["-O", String(w.warmup)] }
            if w.flows > 1 { a += ["-P", String(w.flows)] }
            if w.reverse { a.append("-R") }
            if w.bidirectional { a.append("--bidir") }
            if w.tool == .iperf3UDP, let rate = w.udpRate { a += ["-u", "-b", rate] }
            return a
        case .sockperfPingPong:
            return ["sockperf", "ping-pong", "--tcp", "-i", host, "-p", String(sockperfPort),
                    "-t", String(w.duration), "-m", String(w.messageSize ?? 64), "--no-rdtsc"]
        }
    }

    /// The server command line run in `rcv`.
    static func serverCommand(_ w: WorkloadSpec) -> [String] {
        let host = w.topology.rcvHost
        switch w.tool {
        case .iperf3TCP, .iperf3UDP: return ["iperf3", "-s", "-1", "-B", host, "-p", String(iperfPort)]
        case .sockperfPingPong: return ["sockperf", "server", "--tcp", "-i", host, "-p", String(sockperfPort)]
        }
    }

    static func workloadFunction(_ run: PlannedRun, index: Int) -> String {
        let w = run.spec
        let n = w.name
        var s = "# workload \(n): \(w.tool.rawValue), \(run.trials) trial(s) from t\(run.firstTrial)\n"
        s += "kg_workload_\(index)() {\n"
        s += "    kgate_note \(q("workload \(n): setup"))\n"
        s += "    kg_mark setup\n"
        s += "    kg_teardown\n"
        // iproute2 runs once per namespace (`ip [-n NS] -batch FILE`): every start of the
        // dynamically linked ip costs ~45 ms of QEMU CPU under TCG, one per command
        // cost the setup ~0.4 s per trial. ip stops at the first failing line and names it.
        var batches: [(step: String, namespace: String?, lines: [String])] = [
            ("ip-root", nil, ["netns add snd", "netns add rcv", "link add veth-snd type veth peer name veth-rcv",
                              "link set veth-snd netns snd", "link set veth-rcv netns rcv"]),
        ]
        for (side, address) in [("snd", w.topology.sndAddress), ("rcv", w.topology.rcvAddress)] {
            var lines = ["addr add \(address) dev veth-\(side)"]
            if let mtu = w.tuning.mtu { lines.append("link set veth-\(side) mtu \(mtu)") }
            lines += ["link set lo up", "link set veth-\(side) up"]
            batches.append(("ip-\(side)", side, lines))
        }
        // The qdiscs: one tc per side (its arguments after `tc`).
        var qdiscs: [(step: String, arguments: [String])] = []
        for (side, shaping) in [("snd", w.shaping.snd), ("rcv", w.shaping.rcv)] {
            guard let shaping else { continue }
            let dev = ["-n", side, "qdisc", "replace", "dev", "veth-\(side)", "root"]
            if let netem = shaping.netem, !netem.isEmpty {
                qdiscs.append(("netem-\(side)", dev + netemArguments(netem)))
            } else if let qd = shaping.qdisc {
                qdiscs.append(("qdisc-\(side)", dev + [qd]))
            }
        }
        s += "    [ -n \"$KG_IP\" ] || { kg_fail \(q("\(n).setup.find-ip")) 'no iproute2 ip in the guest (busybox ip lacks netns)'; return 2; }\n"
        if !qdiscs.isEmpty {
            s += "    [ -n \"$KG_TC\" ] || { kg_fail \(q("\(n).setup.find-tc")) 'no iproute2 tc in the guest'; return 2; }\n"
        }
        for b in batches {
            let file = "\"$KG_DIR/\(b.step).batch\""
            s += "    printf '%s\\n' \(b.lines.map(q).joined(separator: " ")) > \(file)\n"
            let ns = b.namespace.map { "'-n' \(q($0)) " } ?? ""
            s += "    kg_step \(q("\(n).setup.\(b.step)")) \"$KG_IP\" \(ns)'-batch' \(file) || { kg_teardown; return 2; }\n"
        }
        for (step, arguments) in qdiscs {
            s += "    kg_step \(q("\(n).setup.\(step)")) \"$KG_TC\" \(arguments.map(q).joined(separator: " ")) || { kg_teardown; return 2; }\n"
        }
        for side in ["snd", "rcv"] {
            s += "    kg_anchor \(side) || { kg_fail \(q("\(n).setup.anchor-\(side)")) 'no process stayed in namespace \(side) within 10 s'; kg_teardown; return 2; }\n"
        }
        var sysctls = (w.tuning.sysctls ?? [:]).sorted { $0.key < $1.key }
        if let cc = w.tuning.congestionControl { sysctls.append(("net.ipv4.tcp_congestion_control", cc)) }
        for (key, value) in sysctls {
            s += "    kg_sysctl \(q("\(n).setup.sysctl.\(key)")) \(q(key)) \(q(value)) || { kg_teardown; return 2; }\n"
        }
        var cgroupDir = ""
        if let cg = w.cgroup {
            cgroupDir = cgroupPath
            s += "    kg_step \(q("\(n).setup.cgroup-controllers")) sh -c \(q("echo +memory > /sys/fs/cgroup/cgroup.subtree_control")) || { kg_teardown; return 2; }\n"
            s += "    kg_step \(q("\(n).setup.cgroup-mkdir")) mkdir -p \(cgroupPath) || { kg_teardown; return 2; }\n"
            // memory.high before memory.max so that max >= high never fails halfway.
            for (file, value) in [("memory.high", cg.memoryHigh), ("memory.max", cg.memoryMax)] {
                guard let value else { continue }
                s += "    kg_step \(q("\(n).setup.cgroup-\(file)")) sh -c \(q("echo \(value) > \(cgroupPath)/\(file)")) || { kg_teardown; return 2; }\n"
            }
        }
        if let mp = w.memoryPressure { s += pressureSetup(w, mp) }
        let server = serverCommand(w).map(q).joined(separator: " ")
        let serverLaunch: String
        if cgroupDir.isEmpty {
            serverLaunch = "\"$KG_IP\" netns exec rcv \(server)"
        } else {
            serverLaunch = "sh -c \(q("echo $$ > \(cgroupDir)/cgroup.procs && exec $KG_IP netns exec rcv \(server)"))"
        }
        let port = w.tool == .sockperfPingPong ? sockperfPort : iperfPort
        let hexPort = String(format: "%04X", port)
        let client = clientCommand(w).map(q).joined(separator: " ")
        let toolBlob = w.tool == .sockperfPingPong ? "sockperf" : "iperf3"
        // iperf3 -s -1 exits after one test; sockperf server runs until killed.
        let serverGrace = w.tool == .sockperfPingPong ? 0 : 10
        s += """
            for kg_t in \(run.trialIndices.map(String.init).joined(separator: " ")); do
                kg_p="\(n).t$kg_t"
                kgate_note "workload \(n): trial $kg_t"
                kg_mark snapshot
                kg_snap "$kg_p.before" \(q(cgroupDir))
                \(serverLaunch) > "$KG_DIR/server.out" 2> "$KG_DIR/server.err" &
                kg_spid=$!
                if kg_wait_listen rcv \(hexPort); then
        \(trialStart(w))            kg_mark measure
                    kgate_run "$kg_p.\(toolBlob)" timeout \(w.duration + w.warmup + 60) "$KG_IP" netns exec snd \(client)
                else
                    kg_fail "$kg_p.\(toolBlob)" "the server did not listen on port \(port) within 10 s"
                fi
        \(trialStop(w))        kg_mark collect
                kg_stop $kg_spid \(serverGrace)
                kgate_put "$kg_p.server.out" "$KG_DIR/server.out"
                kgate_put "$kg_p.server.err" "$KG_DIR/server.err"
                kg_snap "$kg_p.after" \(q(cgroupDir))
            done
            kg_mark teardown
            kg_teardown
            kg_mark poweroff
            return 0
        }

        """
        return s
    }
}
