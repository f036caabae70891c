import Foundation
import Gate
import KGateCore

/// A pipeline (pipelines/*.yaml): the kernel configuration, the guest, the
/// measurement mode, the workloads with their thresholds and trial limits.
public struct PipelineSpec: Sendable, Equatable {
    public struct Kernel: Sendable, Equatable {
        /// "tinyconfig", "defconfig", or a config file path.
        public var base: String
        public var fragments: [URL]
        /// Inline items: `CONFIG_X=y`, `# CONFIG_X is not set`.
        public var set: [String]
    }

    public struct Guest: Sendable, Equatable {
        /// nil: the default recipe in vm-images/.
        public var recipe: URL?
        public var memoryMiB: Int
    }

    public struct Trials: Sendable, Equatable {
        public var min: Int
        public var max: Int
        /// Trials added per side and round while a workload is undecided.
        public var step: Int
    }

    public struct WorkloadEntry: Sendable, Equatable {
        /// A built-in workload name or a workload file path.
        public var workload: String
        /// Regression threshold as a fraction; nil: the mode's default.
        public var threshold: Double?
        /// Seconds per trial; nil: the workload's own.
        public var duration: Double?
        /// Warm-up seconds per trial (iperf3 --omit; 0: none); nil: the workload's own.
        public var warmup: Int?
        public var trials: Trials?
    }

    public var name: String
    public var description: String
    public var source: URL
    public var kernel: Kernel
    public var guest: Guest
    public var mode: MeasurementMode
    public var trials: Trials
    public var workloads: [WorkloadEntry]
    public var kcidbOrigin: String
    /// Deterministic mode: `paired` (`pairing: true`, the default): base and
    /// candidate trial k boot with the same seed and the gate pairs them
    /// (signed-rank); `unpaired` (`pairing: false`, `kgate check --unpaired`): the
    /// candidate draws other seeds and the gate compares the two samples
    /// unpaired, as in real-time modes; `auto`: the same seeds, and each look
    /// pairs only when the pairs pay (`AdaptiveGate.pairsPay`).
    public var pairing: Pairing = .paired

    /// docs/DESIGN.md: 2 % in deterministic mode, 5 % in real-time modes.
    public static func defaultThreshold(for mode: MeasurementMode) -> Double {
        mode.isRealTime ? 0.05 : 0.02
    }

    public func threshold(for entry: WorkloadEntry, mode: MeasurementMode) -> Double {
        entry.threshold ?? Self.defaultThreshold(for: mode)
    }

    public func trials(for entry: WorkloadEntry) -> Trials { entry.trials ?? trials }
}

public enum PipelineLoader {
    /// `nameOrPath`: a file path, or a name under pipelines/ ("premerge" → pipelines/premerge.yaml).
    public static func locate(_ nameOrPath: String?) throws -> URL {
        let name = nameOrPath ?? "premerge"
        let direct = URL(fileURLWithPath: name)
        if name.contains("/") || name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            guard FileManager.default.fileExists(atPath: direct.path) else {
                throw KGateError.usage("pipeline file not found", location: direct.path)
            }
            return direct
        }
        let dir = try Resources.pipelines()
        let url = dir.appendingPathComponent("\(name).yaml")
        guard FileManager.default.fileExists(atPath: url.path) else {
            let known = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
                .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
            throw KGateError.usage("unknown pipeline '\(name)'", location: dir.path,
                                   fix: "use one of: \(known.joined(separator: ", ")), or a path to a .yaml file")
        }
        return url
    }

    public static func load(_ nameOrPath: String?) throws -> PipelineSpec {
        try load(url: locate(nameOrPath))
    }

    public static func load(url: URL) throws -> PipelineSpec {
        let root = try YAMLReader.load(url)
        try root.onlyKeys(["name", "description", "kernel", "guest", "mode", "pairing", "trials", "workloads", "report"])
        let dir = url.deletingLastPathComponent()
        func path(_ r: YAMLReader) throws -> URL {
            let p = try r.string()
            guard !p.isEmpty else { throw r.fail("empty path") }
            return p.hasPrefix("/") ? URL(fileURLWithPath: p) : dir.appendingPathComponent(p).standardizedFileURL
        }

        var kernel = PipelineSpec.Kernel(base: "tinyconfig", fragments: [], set: [])
        if let k = root.child("kernel") {
            try k.onlyKeys(["base", "fragments", "set"])
            if let b = k.child("base") {
                let base = try b.string()
                kernel.base = (base == "tinyconfig" || base == "defconfig") ? base : try path(b).path
            }
            if let f = k.child("fragments") {
                kernel.fragments = try f.items().map { item in
                    let u = try path(item)
                    guard FileManager.default.fileExists(atPath: u.path) else { throw item.fail("fragment not found: \(u.path)") }
                    return u
                }
            }
            if let s = k.child("set") {
                kernel.set = try s.items().map { item in
                    let line = try item.string()
                    guard line.range(of: #"^(CONFIG_[A-Za-z0-9_]+=.+|# CONFIG_[A-Za-z0-9_]+ is not set)$"#,
                                      options: .regularExpression) != nil else {
                        throw item.fail("expected CONFIG_X=value or '# CONFIG_X is not set', got '\(line)'")
                    }
                    return line
                }
            }
        }

        var guest = PipelineSpec.Guest(recipe: nil, memoryMiB: 1024)
        if let g = root.child("guest") {
            try g.onlyKeys(["recipe", "memory-mib"])
            if let r = g.child("recipe") { guest.recipe = try path(r) }
            if let m = g.child("memory-mib") { guest.memoryMiB = try m.int(range: 128...16384) }
        }

        var mode = MeasurementMode.auto
        if let m = root.child("mode") {
            let text = try m.string()
            guard let parsed = MeasurementMode(rawValue: text) else {
                throw m.fail("unknown mode '\(text)' (auto, deterministic, tcg, kvm)")
            }
            mode = parsed
        }

        let trials = try root.child("trials").map(readTrials) ?? PipelineSpec.Trials(min: 3, max: 12, step: 2)

        guard let w = root.child("workloads") else { throw root.fail("'workloads' is required") }
        let workloads = try w.items().map { item -> PipelineSpec.WorkloadEntry in
            try item.onlyKeys(["workload", "threshold", "duration", "warmup", "trials"])
            guard let name = item.child("workload") else { throw item.fail("'workload' is required") }
            return PipelineSpec.WorkloadEntry(
                workload: try name.string(),
                threshold: try item.child("threshold")?.fraction(),
                duration: try item.child("duration")?.double(range: 0.5...600),
                warmup: try item.child("warmup").map { Int(try $0.double(range: 0...600).rounded()) },
                trials: try item.child("trials").map(readTrials))
        }
        guard !workloads.isEmpty else { throw w.fail("at least one workload is required") }

        var origin = "kgate"
        if let r = root.child("report") {
            try r.onlyKeys(["kcidb-origin"])
            if let o = r.child("kcidb-origin") {
                origin = try o.string()
                guard origin.range(of: #"^[a-z0-9_]+$"#, options: .regularExpression) != nil else {
                    throw o.fail("a KCIDB origin is lowercase letters, digits and underscores")
                }
            }
        }

        var spec = PipelineSpec(
            name: try root.child("name")?.string() ?? url.deletingPathExtension().lastPathComponent,
            description: try root.child("description")?.string() ?? "",
            source: url, kernel: kernel, guest: guest, mode: mode, trials: trials,
            workloads: workloads, kcidbOrigin: origin)
        if let p = root.child("pairing") { spec.pairing = try p.pairing() }
        return spec
    }

    private static func readTrials(_ t: YAMLReader) throws -> PipelineSpec.Trials {
        try t.onlyKeys(["min", "max", "step"])
        let min = try t.child("min")?.int(range: 2...200) ?? 3
        let max = try t.child("max")?.int(range: 2...500) ?? 12
        let step = try t.child("step")?.int(range: 1...50) ?? 2
        guard max >= min else { throw t.fail("max (\(max)) is below min (\(min))") }
        return PipelineSpec.Trials(min: min, max: max, step: step)
    }
}
