import Foundation
import KGateCore

/// The plan's shell for `memory_pressure` (costly-order reclaim walking the
/// receiver's cgroup) and `socket_sample_seconds` (the receiver's socket state
/// sampled with `ss` during a trial). The functions are included in a plan only
/// when one of its workloads asks for them.
extension PlanGenerator {
    /// Setup line for a workload with memory pressure (after its cgroup exists).
    static func pressureSetup(_ w: WorkloadSpec, _ mp: MemoryPressureSpec) -> String {
        let step = q("\(w.name).setup.pressure")
        return "    kg_mp_setup \(step) \(mp.hotFileMiB) \(mp.coldFileMiB) \(mp.keepFreeMiB) \(mp.trigger.rawValue) "
            + "\(napArgument(mp.coldIntervalMs)) || { kg_teardown; return 2; }\n"
    }

    /// Lines that start the trial's background parts (after the server listens).
    static func trialStart(_ w: WorkloadSpec) -> String {
        var s = ""
        if let mp = w.memoryPressure {
            s += "            kg_mp_start \(mp.trigger.rawValue) \(mp.intervalMs) \(mp.hugepages)\n"
        }
        if let every = w.socketSampleSeconds { s += "            kg_ss_start \(every)\n" }
        return s
    }

    /// Lines that stop them and send the samples (after the client).
    static func trialStop(_ w: WorkloadSpec) -> String {
        var s = ""
        if w.memoryPressure != nil { s += "        kg_mp_stop\n" }
        if w.socketSampleSeconds != nil {
            s += "        kg_ss_stop\n        kgate_put \"$kg_p.rcv.ss\" \"$KG_DIR/ss.txt\"\n"
        }
        return s
    }

    /// Milliseconds as a `sleep` argument: 50 → "0.050".
    static func napArgument(_ ms: Int) -> String { "\(ms / 1000).\(String(format: "%03d", ms % 1000))" }

    static func needsPressureFunctions(_ runs: [PlannedRun]) -> Bool {
        runs.contains { $0.spec.memoryPressure != nil || $0.spec.socketSampleSeconds != nil }
    }

    static let pressureFunctions = #"""
    # --- memory pressure (workload key memory_pressure) and socket samples ---
    KG_MP=/tmp/kgate-mp
    KG_OTHER=/sys/fs/cgroup/kgate-other
    KG_CGROUP=/sys/fs/cgroup/kgate-rcv

    # kg_mp_wait FILE TEXT SECONDS: waits until FILE contains TEXT.
    kg_mp_wait() {
        kg_i=0
        while [ $kg_i -lt $(($3 * 10)) ]; do
            grep -q "$2" "$1" 2>/dev/null && return 0
            sleep 0.1
            kg_i=$((kg_i + 1))
        done
        return 1
    }

    # kg_kill PID: kills PID's children (busybox has no pkill), then PID, and reaps it.
    kg_kill() {
        for kg_c in $(grep -l "^[0-9]* (.*) . $1 " /proc/[0-9]*/stat 2>/dev/null); do
            kg_c=${kg_c#/proc/}
            kill ${kg_c%/stat} 2>/dev/null
        done
        kill $1 2>/dev/null
        wait $1 2>/dev/null
        return 0
    }

    # kg_mp_bg CMD...: runs CMD in the background and remembers it for teardown.
    kg_mp_bg() {
        "$@" &
        echo $! >> "$KG_MP/pids"
    }

    # kg_mp_setup STEP HOT_MIB COLD_MIB KEEP_MIB TRIGGER COLD_NAP: ext2 on a loop
    # device; a hot file mapped and read in a loop by a task in the receiver's cgroup
    # (reclaim scans its pages and keeps them); a cold file streamed from the device
    # by a task in kgate-other (1 MiB, then COLD_NAP seconds); then all free memory
    # but KEEP_MIB fragmented (one mlocked page per 2 MiB block, kgate-mm frag), so
    # that no order-9 block can form.
    kg_mp_setup() {
        command -v kgate-mm > /dev/null || { kg_fail "$1.helper" "kgate-mm is not in the guest image (recipe: compile files/kgate-mm.c /usr/bin/kgate-mm)"; return 1; }
        mkdir -p "$KG_MP/mnt"
        : > "$KG_MP/pids"
        kg_step "$1.disk" dd if=/dev/zero of="$KG_MP/disk.img" bs=1M count=$(($2 + $3 + 16)) || return 1
        kg_step "$1.mkfs" mke2fs -q -F "$KG_MP/disk.img" || return 1
        KG_LOOP=$(losetup -f 2>/dev/null)
        [ -n "$KG_LOOP" ] || KG_LOOP=/dev/loop0
        kg_step "$1.losetup" losetup "$KG_LOOP" "$KG_MP/disk.img" || return 1
        echo "$KG_LOOP" > "$KG_MP/loop"
        kg_step "$1.mount" mount -t ext2 "$KG_LOOP" "$KG_MP/mnt" || return 1
        kg_step "$1.cgroup-other" mkdir -p "$KG_OTHER" || return 1
        kg_mp_bg sh -c "echo \$\$ > $KG_CGROUP/cgroup.procs && dd if=/dev/zero of=$KG_MP/mnt/hot bs=1M count=$2 2>/dev/null && sync && exec kgate-mm touch $KG_MP/mnt/hot" > "$KG_MP/touch.out" 2>&1
        kg_mp_wait "$KG_MP/touch.out" "pages mapped" 120 || { kg_fail "$1.hot" "the hot file was not mapped within 120 s: $(cat "$KG_MP/touch.out")"; return 1; }
        kg_step "$1.cold" sh -c "echo \$\$ > $KG_OTHER/cgroup.procs && dd if=/dev/zero of=$KG_MP/mnt/cold bs=1M count=$3 2>/dev/null && sync" || return 1
        kg_mp_bg sh -c "echo \$\$ > $KG_OTHER/cgroup.procs; i=0; while :; do dd if=$KG_LOOP of=/dev/null bs=1M skip=\$((i % $(($2 + $3)))) count=1 2>/dev/null; i=\$((i + 1)); sleep $6; done"
        kg_mp_bg kgate-mm frag $4 > "$KG_MP/frag.out" 2>&1
        kg_mp_wait "$KG_MP/frag.out" "blocks pinned" 300 || { kg_fail "$1.frag" "memory was not fragmented within 300 s: $(cat "$KG_MP/frag.out")"; return 1; }
        if [ "$5" = thp ]; then
            kg_t=/sys/kernel/mm/transparent_hugepage
            printf "echo '%s' > %s\n" "$(sed 's/.*\[\(.*\)\].*/\1/' $kg_t/defrag)" "$kg_t/defrag" >> "$KG_DIR/restore.sh"
            printf "echo '%s' > %s\n" "$(sed 's/.*\[\(.*\)\].*/\1/' $kg_t/enabled)" "$kg_t/enabled" >> "$KG_DIR/restore.sh"
            kg_step "$1.thp-defrag" sh -c "echo defer > $kg_t/defrag && echo madvise > $kg_t/enabled" || return 1
        fi
        return 0
    }

    # kg_mp_start TRIGGER INTERVAL_MS HUGEPAGES: order-9 requests every INTERVAL_MS
    # while the trial runs, each followed by 1 MiB of proactive reclaim in kgate-other.
    kg_mp_start() {
        kg_nap=$(($2 / 1000)).$(printf '%03d' $(($2 % 1000)))
        case $1 in
        hugetlb) sh -c "while :; do echo $3 > /proc/sys/vm/nr_hugepages; echo 1M > $KG_OTHER/memory.reclaim; sleep $kg_nap; done" 2>/dev/null & ;;
        thp) sh -c "kgate-mm thp $2 & while :; do echo 1M > $KG_OTHER/memory.reclaim; sleep $kg_nap; done" 2>/dev/null & ;;
        esac
        KG_MP_TRIGGER=$!
    }

    kg_mp_stop() {
        [ -n "$KG_MP_TRIGGER" ] && kg_kill $KG_MP_TRIGGER
        KG_MP_TRIGGER=
        echo 0 > /proc/sys/vm/nr_hugepages 2>/dev/null
        return 0
    }

    # kg_mp_teardown: stops the helpers, frees the huge pages, unmounts, detaches the loop device.
    kg_mp_teardown() {
        kg_mp_stop
        for kg_pid in $(cat "$KG_MP/pids" 2>/dev/null); do kg_kill $kg_pid; done
        umount "$KG_MP/mnt" 2>/dev/null
        [ -f "$KG_MP/loop" ] && losetup -d "$(cat "$KG_MP/loop")" 2>/dev/null
        [ -d "$KG_OTHER" ] && rmdir "$KG_OTHER" 2>/dev/null
        rm -rf "$KG_MP"
        return 0
    }

    # kg_ss_start SECONDS: samples the receiver's established sockets (ss -tin) every SECONDS.
    kg_ss_start() {
        : > "$KG_DIR/ss.txt"
        KG_SSBIN=$(kg_find ss)
        if [ -z "$KG_SSBIN" ]; then echo "@@error no iproute2 ss in the guest" > "$KG_DIR/ss.txt"; KG_SS=; return 0; fi
        sh -c "while :; do sleep $1; echo \"@@sample \$(cut -d' ' -f1 /proc/uptime)\"; $KG_IP netns exec rcv $KG_SSBIN -tinH state established; done" >> "$KG_DIR/ss.txt" 2>&1 &
        KG_SS=$!
    }

    kg_ss_stop() {
        [ -n "$KG_SS" ] && kg_kill $KG_SS
        KG_SS=
        return 0
    }


    """#
}
