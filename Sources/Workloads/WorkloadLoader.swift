import Foundation
import KGateCore
import Yams

/// Loads workloads by built-in name or from a YAML file, validating keys and values.
public enum WorkloadLoader {
    /// Largest workload file accepted.
    public static let maxFileBytes = 256 << 10

    /// A built-in name ("tcp-stream-10ms") or a path to a YAML file.
    public static func load(_ nameOrPath: String) throws -> WorkloadSpec {
        if let yaml = BuiltinWorkloads.yaml[nameOrPath] {
            return try parse(yaml: yaml, source: "built-in workload '\(nameOrPath)'")
        }
        let looksLikePath = nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml")
        if looksLikePath || FileManager.default.fileExists(atPath: nameOrPath) {
            let url = URL(fileURLWithPath: nameOrPath)
            let data = try readBoundedFile(url, limit: maxFileBytes, what: "workload file")
            return try parse(yaml: String(decoding: data, as: UTF8.self), source: url.path)
        }
        throw KGateError.usage("unknown workload '\(nameOrPath)'",
                               fix: "use a built-in (\(BuiltinWorkloads.names.joined(separator: ", "))) or a path to a YAML file")
    }

    /// Every built-in workload, in documentation order.
    public static func builtins() throws -> [WorkloadSpec] {
        try BuiltinWorkloads.names.map { try load($0) }
    }

    /// Parses and validates one workload document.
    public static func parse(yaml: String, source: String) throws -> WorkloadSpec {
        let node: Node
        do {
            guard let n = try Yams.compose(yaml: yaml) else { throw KGateError.usage("workload file is empty", location: source) }
            node = n
        } catch let e as KGateError {
            throw e
        } catch {
            throw KGateError.usage("workload YAML does not parse: \(error)", location: source, cause: error)
        }
        try checkKeys(node, schema: schema, path: "", source: source)
        let spec: WorkloadSpec
        do {
            spec = try YAMLDecoder().decode(WorkloadSpec.self, from: node)
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw KGateError.usage("workload: \(keyPath(ctx.codingPath + [key])): missing", location: source)
        } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx) {
            throw KGateError.usage("workload: \(keyPath(ctx.codingPath)): \(ctx.debugDescription)", location: source)
        } catch let DecodingError.dataCorrupted(ctx) {
            throw KGateError.usage("workload: \(keyPath(ctx.codingPath)): \(ctx.debugDescription)", location: source,
                                   fix: hint(for: ctx.codingPath))
        } catch {
            throw KGateError.usage("workload does not decode: \(error)", location: source, cause: error)
        }
        try spec.validate(source: source)
        return spec
    }

    private static func keyPath(_ path: [CodingKey]) -> String {
        path.isEmpty ? "(document)" : path.map(\.stringValue).joined(separator: ".")
    }

    private static func hint(for path: [CodingKey]) -> String? {
        switch path.last?.stringValue {
        case "tool": return "one of: \(WorkloadTool.allCases.map(\.rawValue).joined(separator: ", "))"
        case "metric": return "one of: \(WorkloadMetric.allCases.map(\.rawValue).joined(separator: ", "))"
        case "direction": return "higher or lower"
        default: return nil
        }
    }

    /// Allowed keys per mapping; `nil` values are free-form maps (sysctls).
    private indirect enum Schema {
        case keys([String: Schema])
        case leaf
        case freeMap
    }

    private static let netem: Schema = .keys(["delay_ms": .leaf, "jitter_ms": .leaf, "loss_percent": .leaf, "rate": .leaf,
                                             "reorder_percent": .leaf, "limit": .leaf])
    private static let side: Schema = .keys(["netem": netem, "qdisc": .leaf])
    private static let schema: Schema = .keys([
        "name": .leaf, "description": .leaf, "tool": .leaf, "duration": .leaf, "warmup": .leaf, "trials": .leaf,
        "flows": .leaf, "reverse": .leaf, "bidirectional": .leaf, "udp_rate": .leaf, "message_size": .leaf,
        "topology": .keys(["snd_address": .leaf, "rcv_address": .leaf]),
        "shaping": .keys(["snd": side, "rcv": side]),
        "tuning": .keys(["congestion_control": .leaf, "mtu": .leaf, "sysctls": .freeMap]),
        "cgroup": .keys(["memory_max": .leaf, "memory_high": .leaf]),
        "memory_pressure": .keys(["trigger": .leaf, "interval_ms": .leaf, "hugepages": .leaf, "hot_file_mib": .leaf,
                                  "cold_file_mib": .leaf, "cold_interval_ms": .leaf, "keep_free_mib": .leaf]),
        "socket_sample_seconds": .leaf, "evidence": .leaf,
        "metric": .leaf, "direction": .leaf, "threshold_percent": .leaf,
    ])

    private static func checkKeys(_ node: Node, schema: Schema, path: String, source: String) throws {
        guard case .keys(let allowed) = schema else { return }
        guard let mapping = node.mapping else {
            throw KGateError.usage("workload: \(path.isEmpty ? "(document)" : path): expected a mapping", location: source)
        }
        for (k, v) in mapping {
            let key = k.string ?? "?"
            let full = path.isEmpty ? key : "\(path).\(key)"
            guard let sub = allowed[key] else {
                throw KGateError.usage("workload: unknown key '\(full)'", location: source,
                                       fix: "known keys here: \(allowed.keys.sorted().joined(separator: ", "))")
            }
            try checkKeys(v, schema: sub, path: full, source: source)
        }
    }
}

extension WorkloadLoader {
    /// Names of the built-in workloads.
    public static var builtinNames: [String] { BuiltinWorkloads.names }
}
