#!/bin/sh
# Feasibility probe for memcg-sockpressure (issue 14), run by benchmarks/sockpressure-probe.sh.
# args: TRIGGER(huge|thp|none) DUR HOT_MIB EXTFRAG DEFRAG COLD_MIB COLD_SLEEP
# args: TRIGGER(thp|huge|none) DUR HOTMB
COLD=${6:-30}; CSLEEP=${7:-0.5}; TRIG=${1:-thp}; DUR=${2:-5}; HOT=${3:-48}; EXTFRAG=${4:-500}; DEFRAG=${5:-defer}
IP=/sbin/ip; TC=/sbin/tc
exec 2>&1
t0=$(cut -d' ' -f1 /proc/uptime)
echo 0 > /proc/sys/vm/watermark_boost_factor
echo 0 > /proc/sys/vm/compact_unevictable_allowed
echo 1 > /proc/sys/net/core/high_order_alloc_disable
echo madvise > /sys/kernel/mm/transparent_hugepage/enabled
echo ${DEFRAG:-defer} > /sys/kernel/mm/transparent_hugepage/defrag
dd if=/dev/zero of=/tmp/disk.img bs=1M count=$((HOT + 40)) 2>/dev/null
mke2fs -q -F /tmp/disk.img >/dev/null 2>&1 || mke2fs -F /tmp/disk.img
losetup /dev/loop0 /tmp/disk.img || echo losetup failed
mount -t ext2 /dev/loop0 /mnt || echo mount failed
echo +memory > /sys/fs/cgroup/cgroup.subtree_control
mkdir -p /sys/fs/cgroup/rcv /sys/fs/cgroup/other
# hot mapped file pages charged to rcv
sh -c "echo \$\$ > /sys/fs/cgroup/rcv/cgroup.procs; dd if=/dev/zero of=/mnt/hot bs=1M count=$HOT 2>/dev/null; sync; exec kgate-mm touch /mnt/hot" &
# cold cache in other
sh -c "echo \$\$ > /sys/fs/cgroup/other/cgroup.procs; dd if=/dev/zero of=/mnt/cold bs=1M count=${COLD:-30} 2>/dev/null; sync"
sh -c "echo \$\$ > /sys/fs/cgroup/other/cgroup.procs; i=0; while :; do dd if=/dev/loop0 of=/dev/null bs=1M skip=\$((i % 80)) count=1 2>/dev/null; i=\$((i+1)); sleep ${CSLEEP:-0.05}; done" &
sleep 1
kgate-mm frag 48 &
sleep 2
echo 2000 > /proc/sys/vm/nr_hugepages
echo "hugepages: $(cat /proc/sys/vm/nr_hugepages)"
echo $EXTFRAG > /proc/sys/vm/extfrag_threshold
echo "exp: setup done" > /dev/console
grep -E "MemFree|Cached|Mlocked|HugePages_Total" /proc/meminfo
cat /proc/buddyinfo
$IP netns add snd; $IP netns add rcv
$IP link add veth-snd type veth peer name veth-rcv
$IP link set veth-snd netns snd; $IP link set veth-rcv netns rcv
$IP -n snd addr add 10.0.0.1/24 dev veth-snd; $IP -n rcv addr add 10.0.0.2/24 dev veth-rcv
for s in snd rcv; do $IP -n $s link set lo up; $IP -n $s link set veth-$s up; $IP -n $s link set veth-$s mtu 1500; done
$TC -n snd qdisc replace dev veth-snd root netem delay 10ms limit 10000
$TC -n rcv qdisc replace dev veth-rcv root netem delay 10ms limit 10000
sh -c "echo \$\$ > /sys/fs/cgroup/rcv/cgroup.procs; exec $IP netns exec rcv iperf3 -s -1 -B 10.0.0.2" > /tmp/srv.out 2>&1 &
sleep 1
case $TRIG in
thp) kgate-mm thp ${TNAP:-50} & TP=$!
     sh -c "while :; do echo 1M > /sys/fs/cgroup/other/memory.reclaim; sleep ${RSLEEP:-0.5}; done" 2>/dev/null & TP="$TP $!" ;;
huge) sh -c "while :; do echo 2000 > /proc/sys/vm/nr_hugepages; echo 1M > /sys/fs/cgroup/other/memory.reclaim; sleep ${HSLEEP:-0.2}; done" 2>/dev/null & TP=$! ;;
*) TP= ;;
esac
grep -E "pgscan|pgsteal|^file |file_mapped|active_file|inactive_file" /sys/fs/cgroup/rcv/memory.stat > /tmp/ms0
grep -E "pgscan_kswapd|pgsteal_kswapd|pgscan_direct|pgsteal_direct|kswapd|compact_stall|compact_fail|thp_fault_fallback|allocstall" /proc/vmstat > /tmp/vs0
(for i in 1 2 3; do sleep $(( (DUR+1)/3 )); echo "rcv pgscan: $(grep "^pgscan " /sys/fs/cgroup/rcv/memory.stat)" >> /tmp/ss.txt; $IP netns exec rcv ss -tin | grep -o "bytes_received:[0-9]*\|rcv_ssthresh:[0-9]*\|rcv_space:[0-9]*" | tr "\n" " " >> /tmp/ss.txt; echo >> /tmp/ss.txt; done) &
echo "exp: trial" > /dev/console
$IP netns exec snd iperf3 -c 10.0.0.2 -t $DUR -O 1 -J > /tmp/cli.json
[ -n "$TP" ] && kill $TP
grep -E "pgscan|pgsteal|^file |file_mapped|active_file|inactive_file" /sys/fs/cgroup/rcv/memory.stat > /tmp/ms1
echo "other: $(grep -E "^(pgscan|pgsteal) " /sys/fs/cgroup/other/memory.stat | tr "\n" " ")"
grep -E "pgscan_kswapd|pgsteal_kswapd|pgscan_direct|pgsteal_direct|kswapd|compact_stall|compact_fail|thp_fault_fallback|allocstall" /proc/vmstat > /tmp/vs1
echo "== rcv memory.stat before/after"; paste /tmp/ms0 /tmp/ms1
echo "== vmstat before/after"; paste /tmp/vs0 /tmp/vs1
grep -E '"bits_per_second"|retransmits|max_snd_cwnd|max_rtt' /tmp/cli.json | tail -6
echo "== ss (after)"; cat /tmp/ss.txt
cat /proc/buddyinfo
echo "elapsed $(cut -d' ' -f1 /proc/uptime) from $t0"
