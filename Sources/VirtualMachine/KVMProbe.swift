import Foundation
import KGateCore
#if canImport(Glibc)
import Glibc
#endif

/// Whether KVM really runs a guest on this host. An openable /dev/kvm is not
/// proof: nested KVM can abort (`-cpu host` on an unknown MSR) or hang. The
/// probe boots for real and the answer is cached per host
/// (`<cache>/host/kvm-<key>.json`, key = host kernel, QEMU version, CPU model).
public struct KVMProbeResult: Sendable, Codable, Equatable {
    public var usable: Bool
    /// Why not (classification and first line of its evidence), or "booted to init".
    public var reason: String
    /// Wall seconds the probe took.
    public var seconds: Double
    /// "kernel": a boot of a real kernel to init; "device": /dev/kvm is not usable;
    /// "firmware" (older caches): only the BIOS ran, which proves nothing and is re-probed.
    public var level: String
    public var host: String
}

public enum KVMProbe {
    /// Deadline of the probe boot: KVM reaches init in well under a second.
    public static let deadline: Double = 15

    public static func hostDescription() -> String {
        var u = utsname()
        uname(&u)
        func field<T>(_ v: T) -> String {
            withUnsafeBytes(of: v) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
        }
        let qemu = (try? ProcessRunner.run(QEMUCommand.executable, ["--version"], timeout: 10))?.stdout
            .split(separator: "\n").first.map(String.init) ?? "qemu unknown"
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) } ?? "cpu unknown"
        return "\(field(u.release)) \(field(u.version)) | \(qemu) | \(model)"
    }

    static func cacheFile(_ paths: CachePaths, host: String) -> URL {
        paths.host.appendingPathComponent("kvm-\(Digest.sha256Hex(host).prefix(16)).json")
    }

    public static func cached(_ paths: CachePaths, host: String = hostDescription()) -> KVMProbeResult? {
        guard let data = try? readBoundedFile(cacheFile(paths, host: host), limit: 1 << 16, what: "kvm probe"),
              let r = try? JSONDecoder().decode(KVMProbeResult.self, from: data), r.host == host else { return nil }
        return r
    }

    static func store(_ r: KVMProbeResult, _ paths: CachePaths) {
        guard (try? CachePaths.ensureDirectory(paths.host)) != nil, let data = try? JSONEncoder().encode(r) else { return }
        let url = cacheFile(paths, host: r.host)
        let tmp = url.appendingPathExtension("\(getpid()).tmp")
        if (try? data.write(to: tmp)) != nil, rename(tmp.path, url.path) != 0 { try? FileManager.default.removeItem(at: tmp) }
    }

    /// Boots `kernel` with `image` under `-enable-kvm -cpu host` with a short deadline and caches the answer.
    public static func probe(kernel: URL, image: URL, paths: CachePaths, console: Console = .shared) throws -> KVMProbeResult {
        let host = hostDescription()
        let start = Date()
        func done(_ usable: Bool, _ reason: String, _ level: String) -> KVMProbeResult {
            let r = KVMProbeResult(usable: usable, reason: reason, seconds: Date().timeIntervalSince(start), level: level, host: host)
            store(r, paths)
            return r
        }
        guard access("/dev/kvm", R_OK | W_OK) == 0 else { return done(false, "/dev/kvm is missing or not accessible", "device") }
        console.status("kvm probe: booting with -enable-kvm -cpu host (deadline \(Int(deadline)) s)")
        let request = BootRequest(kernel: kernel, image: image, mode: .kvm, memoryMiB: 256,
                                  bootTimeout: deadline, runTimeout: deadline + 5, label: "kvm-probe")
        let outcome = try VirtualMachines.bootResolved(request, mode: .kvm, paths: paths, console: console)
        let stderrURL = outcome.consoleLog.deletingLastPathComponent().appendingPathComponent("qemu.stderr")
        let stderrFirst = ProcessRunner.readTail(stderrURL, limit: 4096).split(separator: "\n").first.map(String.init)
        let first = stderrFirst ?? outcome.excerpt.split(separator: "\n").first.map(String.init) ?? ""
        return outcome.classification == .ok
            ? done(true, "booted to init in \(String(format: "%.2f", outcome.wallSecondsToInit ?? 0)) s", "kernel")
            : done(false, "\(outcome.classification.rawValue): \(first)", "kernel")
    }
}
