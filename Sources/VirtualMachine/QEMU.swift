import Foundation
import KGateCore
#if canImport(Glibc)
import Glibc
#endif

/// The QEMU command line for one boot (vm-images/PROTOCOL.md, "Boot").
public enum QEMUCommand {
    public static let executable = "qemu-system-x86_64"
    public static let baseCommandLine = ["console=ttyS0", "panic=-1", "rdinit=/init"]

    /// Accelerator flags of a resolved mode.
    public static func acceleratorArguments(_ mode: MeasurementMode) -> [String] {
        switch mode {
        case .deterministic: return ["-accel", "tcg", "-icount", "shift=0,sleep=off", "-smp", "1", "-rtc", "clock=vm"]
        case .tcg, .auto: return ["-accel", "tcg", "-smp", "1"]
        case .kvm: return ["-enable-kvm", "-cpu", "host", "-smp", "1"]
        }
    }

    /// `interactive`: the console is QEMU's stdio (with its monitor on Ctrl-A c).
    public static func arguments(kernel: URL?, initrd: URL?, mode: MeasurementMode, memoryMiB: Int, append: [String],
                                 consoleLog: URL, resultsLog: URL, interactive: Bool = false) -> [String] {
        var args = ["-nographic", "-nic", "none", "-no-reboot", "-m", "\(memoryMiB)"]
        args += acceleratorArguments(mode)
        if let kernel {
            args += ["-kernel", kernel.path]
            if let initrd { args += ["-initrd", initrd.path] }
            args += ["-append", (baseCommandLine + append).joined(separator: " ")]
        }
        if interactive {
            args += ["-serial", "mon:stdio"]
        } else {
            args += ["-monitor", "none",
                     "-chardev", "file,id=kgcon,path=\(escape(consoleLog.path))", "-serial", "chardev:kgcon"]
        }
        args += ["-chardev", "file,id=kgres,path=\(escape(resultsLog.path))", "-serial", "chardev:kgres"]
        return args
    }

    /// QEMU option values escape "," as ",,".
    static func escape(_ s: String) -> String { s.replacingOccurrences(of: ",", with: ",,") }
}
