import Foundation

/// The next wave an engine must run when the merged decision needs more
/// trials: `kgate check --artifacts DIR --shard K/N --trial-range FROM-TO --only-workload W…`.
public struct NextWave: Codable, Sendable, Equatable {
    public static let fileName = "next-wave.json"
    public var from: Int
    public var to: Int
    public var workloads: [String]
    /// The shard options of the wave, as engines pass them on: `--trial-range A-B --only-workload W …`.
    public var arguments: String

    public init(from: Int, to: Int, workloads: [String]) {
        self.from = from; self.to = to; self.workloads = workloads
        arguments = (["--trial-range", "\(from)-\(to)"] + workloads.flatMap { ["--only-workload", $0] }).joined(separator: " ")
    }

    public var trials: String { "\(from)-\(to)" }
}
