import Foundation

/// How QEMU runs the guest (docs/DESIGN.md, "Measurement modes").
public enum MeasurementMode: String, Sendable, Codable, CaseIterable {
    case auto, deterministic, tcg, kvm

    /// Real-time modes interleave base and candidate trials.
    public var isRealTime: Bool { self == .tcg || self == .kvm }
}

/// Which kernel of a comparison a trial measured (stored with every sample).
public enum TrialRole: String, Sendable, Codable, CaseIterable {
    case base, candidate
}

/// Which way is better for a metric.
public enum MetricDirection: String, Sendable, Codable {
    case higherIsBetter = "higher"
    case lowerIsBetter = "lower"
}

/// One measured value from one trial of one workload on one kernel.
public struct Sample: Sendable, Codable, Equatable {
    public var workload: String
    public var metric: String
    public var unit: String
    public var value: Double
    public var trial: Int
    /// Counter deltas over the trial (TcpExt.TCPMemoryPressures, vmstat.allocstall_normal, …).
    public var counters: [String: Double]
    /// Set when the trial ran but its figure is not a valid measurement
    /// ("100% loss: no data delivered").
    public var failure: String?
    /// The seed of the boot that ran the trial (deterministic mode: the same
    /// kernel, image, plan and seed give the same sample); nil when unseeded.
    public var seed: UInt64?

    public init(workload: String, metric: String, unit: String, value: Double, trial: Int,
                counters: [String: Double] = [:], failure: String? = nil, seed: UInt64? = nil) {
        self.seed = seed
        self.workload = workload
        self.metric = metric
        self.unit = unit
        self.value = value
        self.trial = trial
        self.counters = counters
        self.failure = failure
    }
}

/// One patch ready to become a commit (produced by PatchSeries, applied by KernelTree).
public struct PatchToApply: Sendable, Equatable {
    /// How errors name it: "2/10 'tcp: fix foo'".
    public var label: String
    public var authorName: String
    public var authorEmail: String
    public var date: Date
    /// Minutes east of UTC, from the mail's Date header.
    public var timezoneOffsetMinutes: Int
    /// Full commit message: subject, body, trailers.
    public var message: String
    /// The unified diff (git format).
    public var diff: String

    public init(label: String, authorName: String, authorEmail: String, date: Date,
                timezoneOffsetMinutes: Int, message: String, diff: String) {
        self.label = label
        self.authorName = authorName
        self.authorEmail = authorEmail
        self.date = date
        self.timezoneOffsetMinutes = timezoneOffsetMinutes
        self.message = message
        self.diff = diff
    }
}

/// Reads a file of at most `limit` bytes (untrusted input is bounded).
public func readBoundedFile(_ url: URL, limit: Int, what: String) throws -> Data {
    let attrs: [FileAttributeKey: Any]
    do {
        attrs = try FileManager.default.attributesOfItem(atPath: url.path)
    } catch {
        throw KGateError.usage("cannot read \(what)", location: url.path, fix: "check the path", cause: error)
    }
    if let size = attrs[.size] as? NSNumber, size.intValue > limit {
        throw KGateError.usage("\(what) is too large (\(size.intValue) bytes, limit \(limit))", location: url.path)
    }
    do {
        return try Data(contentsOf: url)
    } catch {
        throw KGateError.usage("cannot read \(what): \(error.localizedDescription)", location: url.path, cause: error)
    }
}

/// A threshold written as a percentage ("2%", "2.5 %") or a fraction ("0.02"):
/// the fraction, when it lies strictly between 0 and 1.
public func parseFraction(_ text: String) -> Double? {
    let t = text.trimmingCharacters(in: .whitespaces)
    let value = t.hasSuffix("%") ? Double(t.dropLast().trimmingCharacters(in: .whitespaces)).map { $0 / 100 } : Double(t)
    guard let value, value > 0, value < 1 else { return nil }
    return value
}
