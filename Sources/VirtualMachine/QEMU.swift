import Foundation
import KGateCore
#if canImport(Glibc)
import Glibc
#endif

/// The QEMU command line for one boot (vm-images/PROTOCOL.md, "Boot").
public enum QEMUCommand {
    public static let executable = "qemu-system-x86_64"
    /// `reboot=t`: the guest resets by a triple fault, the one way out of a
    /// microvm without ACPI or a keyboard controller; QEMU exits on it (`-no-reboot`).
    public static let baseCommandLine = ["console=ttyS0", "panic=-1", "rdinit=/init", "reboot=t"]

    /// The machine (issue 27): QEMU's `microvm` with its qboot firmware, no ACPI,
    /// no PCI, no option ROMs, no default devices; the legacy devices the guest
    /// uses are on (the PIT is its clock event device, the CMOS RTC carries the
    /// seed's wall clock, ISA serial ports for the console and the result
    /// channel). The `pc` machine's SeaBIOS, PCI enumeration and ROM scan cost
    /// 0.4 s of QEMU CPU in every boot of the premerge kernel under TCG (1.74 s
    /// against 1.34 s to power-off with no plan, medians of 5 interleaved
    /// boots): a quarter of a boot, for firmware the measurement never uses.
    public static let machineArguments = ["-M", "microvm,x-option-roms=off,acpi=off,rtc=on,pit=on,isa-serial=on",
                                          "-nodefaults"]

    /// Deterministic mode only. Under `-icount` guest time advances with executed
    /// instructions, and a busy-wait on the TSC costs QEMU a CPU-loop exit per
    /// `pause`: the local APIC timer calibration (100 ms of guest time spinning on
    /// `rdtsc`) took 76 % of an 18 s boot and the IO-APIC timer check another 8 %
    /// (guest RIP sampled through the QEMU monitor, issue 15). TCG has no TSC
    /// deadline timer that would skip the calibration, so the guest does without
    /// the local APIC timer: the PIT is its clock event device (one-shot capable,
    /// so hrtimers, netem's delays included, work as before), and the timer check
    /// is skipped. Plain TCG already ends up on the PIT: there the calibrated
    /// APIC timer fails its verification.
    public static let deterministicCommandLine = ["noapictimer", "no_timer_check"]

    /// The guest clock of seed 0 in deterministic mode; seed N starts N seconds later.
    public static let seedEpoch = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z

    /// Accelerator flags of a resolved mode. In deterministic mode the guest's
    /// wall clock at boot is fixed by the seed (`-rtc base=`): the kernel mixes
    /// it into its entropy pool (the default TCG CPU has no RDRAND, so QEMU's
    /// `-seed` reaches nothing), so the same seed gives the same random draws
    /// (netem loss, ISNs, hash seeds) and another seed another draw.
    public static func acceleratorArguments(_ mode: MeasurementMode, seed: UInt64 = 0) -> [String] {
        switch mode {
        case .deterministic:
            return ["-accel", "tcg", "-icount", "shift=0,sleep=off", "-smp", "1",
                    "-rtc", "base=\(rtcBase(seed: seed)),clock=vm"]
        case .tcg, .auto: return ["-accel", "tcg", "-smp", "1"]
        case .kvm: return ["-enable-kvm", "-cpu", "host", "-smp", "1"]
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS` of `seedEpoch` plus `seed` seconds (seeds are bounded by `maxSeed`).
    public static func rtcBase(seed: UInt64) -> String {
        let fmt = DateFormatter()
        fmt.locale = Locale(identifier: "en_US_POSIX")
        fmt.timeZone = TimeZone(identifier: "UTC")
        fmt.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        return fmt.string(from: seedEpoch.addingTimeInterval(Double(min(seed, maxSeed))))
    }

    /// Seeds map to guest clocks within about 30 years of the epoch.
    public static let maxSeed: UInt64 = 999_999_999

    /// `interactive`: the console is QEMU's stdio (with its monitor on Ctrl-A c).
    /// `seed` (deterministic mode) fixes the guest clock and is named on the
    /// kernel command line (`kgate.seed=N`, which the kernel also mixes into its pool).
    public static func arguments(kernel: URL?, initrd: URL?, mode: MeasurementMode, memoryMiB: Int, append: [String],
                                 consoleLog: URL, resultsLog: URL, interactive: Bool = false, seed: UInt64? = nil) -> [String] {
        var args = ["-nographic"] + machineArguments + ["-no-reboot", "-m", "\(memoryMiB)"]
        args += acceleratorArguments(mode, seed: seed ?? 0)
        if let kernel {
            args += ["-kernel", kernel.path]
            if let initrd { args += ["-initrd", initrd.path] }
            let seedWord = seed.map { ["kgate.seed=\($0)"] } ?? []
            let modeWords = mode == .deterministic ? deterministicCommandLine : []
            args += ["-append", (baseCommandLine + modeWords + seedWord + append).joined(separator: " ")]
        }
        if interactive {
            args += ["-serial", "mon:stdio"]
        } else {
            args += ["-monitor", "none",
                     "-chardev", "file,id=kgcon,path=\(escape(consoleLog.path))", "-serial", "chardev:kgcon"]
        }
        // microvm makes only the first `-serial` an ISA port: the result channel (ttyS1) is a device of its own.
        args += ["-chardev", "file,id=kgres,path=\(escape(resultsLog.path))", "-device", "isa-serial,chardev=kgres"]
        return args
    }

    /// QEMU option values escape "," as ",,".
    static func escape(_ s: String) -> String { s.replacingOccurrences(of: ",", with: ",,") }
}
