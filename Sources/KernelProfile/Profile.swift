import Foundation
import KGateCore

/// One kernel's profile of one workload trial: samples per function, from the
/// guest sampler's histogram (`vm-images/files/kgate-prof.c`: a cpu-clock
/// perf event every `periodNanoseconds` of guest time) and the build's System.map.
public struct KernelProfile: Sendable, Equatable, Codable {
    public var periodNanoseconds: UInt64
    /// Every sample: kernel, user space and lost.
    public var samples: UInt64
    public var userSamples: UInt64
    public var lostSamples: UInt64
    /// Kernel samples whose address no text symbol holds.
    public var unresolvedSamples: UInt64
    /// Samples per function, kernel only.
    public var functions: [String: UInt64]

    public init(periodNanoseconds: UInt64, samples: UInt64, userSamples: UInt64, lostSamples: UInt64,
                unresolvedSamples: UInt64, functions: [String: UInt64]) {
        self.periodNanoseconds = periodNanoseconds; self.samples = samples; self.userSamples = userSamples
        self.lostSamples = lostSamples; self.unresolvedSamples = unresolvedSamples; self.functions = functions
    }

    /// The sampler's output is bounded: at most this many bytes.
    public static let sizeLimit = 16 << 20

    /// A function's share of all samples (0…1).
    public func share(_ function: String) -> Double {
        samples == 0 ? 0 : Double(functions[function] ?? 0) / Double(samples)
    }

    /// Functions by samples, most first (ties by name).
    public func top(_ n: Int) -> [(name: String, samples: UInt64)] {
        functions.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(n).map { (name: $0.key, samples: $0.value) }
    }

    /// Parses the sampler's histogram and resolves it against `symbols`.
    /// `kgate-prof 1 period_ns=N samples=S kernel=K user=U lost=L`, then `HEXIP COUNT` lines.
    public static func parse(_ text: String, symbols: SymbolMap, source: String = "profile") throws -> KernelProfile {
        guard text.utf8.count <= sizeLimit else {
            throw KGateError.infrastructure("the guest profile exceeds \(sizeLimit) bytes", location: source)
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).makeIterator()
        guard let header = lines.next(), header.hasPrefix("kgate-prof 1 ") else {
            throw KGateError.infrastructure("the guest profile has no `kgate-prof 1` header", location: source,
                                            excerpt: String(text.prefix(200)))
        }
        var fields: [String: UInt64] = [:]
        for word in header.split(separator: " ").dropFirst(2) {
            let kv = word.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, let v = UInt64(kv[1]) else { continue }
            fields[String(kv[0])] = v
        }
        guard let period = fields["period_ns"], let samples = fields["samples"], let kernel = fields["kernel"],
              let user = fields["user"], let lost = fields["lost"] else {
            throw KGateError.infrastructure("the guest profile header lacks a field", location: source,
                                            excerpt: String(header.prefix(200)))
        }
        var functions: [String: UInt64] = [:]
        var unresolved: UInt64 = 0
        var counted: UInt64 = 0
        while let line = lines.next() {
            let f = line.split(separator: " ")
            guard f.count == 2, let ip = UInt64(f[0], radix: 16), let n = UInt64(f[1]) else {
                throw KGateError.infrastructure("the guest profile has a malformed line", location: source,
                                                excerpt: String(line.prefix(200)))
            }
            counted += n
            if let name = symbols.function(at: ip) { functions[name, default: 0] += n } else { unresolved += n }
        }
        guard counted == kernel else {
            throw KGateError.infrastructure("the guest profile lists \(counted) kernel samples, its header \(kernel)",
                                            location: source)
        }
        return KernelProfile(periodNanoseconds: period, samples: samples, userSamples: user, lostSamples: lost,
                             unresolvedSamples: unresolved, functions: functions)
    }
}
