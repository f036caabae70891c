import Foundation
import Gate
import KGateCore
import Yams

/// Walks a YAML node with a key path, so every validation error names the key
/// ("workloads[1].threshold: expected a percentage like 2% or 0.02").
struct YAMLReader {
    let node: Node
    let path: String
    let file: String

    init(node: Node, path: String, file: String) {
        self.node = node
        self.path = path
        self.file = file
    }

    static func load(_ url: URL, limit: Int = 1 << 20) throws -> YAMLReader {
        let data = try readBoundedFile(url, limit: limit, what: "pipeline file")
        let text = String(decoding: data, as: UTF8.self)
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw KGateError.usage("pipeline is not valid YAML: \(error)", location: url.path, cause: error)
        }
        guard let node, node.mapping != nil else {
            throw KGateError.usage("pipeline must be a YAML mapping", location: url.path)
        }
        return YAMLReader(node: node, path: "", file: url.path)
    }

    func fail(_ message: String) -> KGateError {
        KGateError.usage("\(path.isEmpty ? "pipeline" : path): \(message)", location: file,
                         fix: "see pipelines/premerge.yaml for the accepted keys")
    }

    /// Rejects keys outside `allowed` (a typo must not silently fall back to a default).
    func onlyKeys(_ allowed: Set<String>) throws {
        guard let mapping = node.mapping else { throw fail("expected a mapping") }
        for key in mapping.keys {
            guard let name = key.string else { throw fail("keys must be strings") }
            if !allowed.contains(name) {
                throw fail("unknown key '\(name)' (allowed: \(allowed.sorted().joined(separator: ", ")))")
            }
        }
    }

    func child(_ key: String) -> YAMLReader? {
        guard let value = node.mapping?[key] else { return nil }
        if case .scalar(let s) = value, s.tag == Tag(.null) || s.string == "~" || (s.string.isEmpty && s.style == .plain) { return nil }
        return YAMLReader(node: value, path: path.isEmpty ? key : "\(path).\(key)", file: file)
    }

    func items() throws -> [YAMLReader] {
        guard let seq = node.sequence else { throw fail("expected a list") }
        return seq.enumerated().map { YAMLReader(node: $0.element, path: "\(path)[\($0.offset)]", file: file) }
    }

    func string() throws -> String {
        guard case .scalar(let s) = node else { throw fail("expected a string") }
        return s.string
    }

    func bool() throws -> Bool {
        guard let v = node.bool else { throw fail("expected true or false") }
        return v
    }

    /// `pairing:`: true (paired), false (unpaired), or paired, unpaired, auto.
    func pairing() throws -> Pairing {
        if let v = node.bool { return v ? .paired : .unpaired }
        guard case .scalar(let s) = node, let p = Pairing(rawValue: s.string) else {
            throw fail("expected auto, paired or unpaired (or true/false)")
        }
        return p
    }

    func int(range: ClosedRange<Int>) throws -> Int {
        guard let v = node.int else { throw fail("expected a whole number") }
        guard range.contains(v) else { throw fail("\(v) is outside \(range.lowerBound)...\(range.upperBound)") }
        return v
    }

    func double(range: ClosedRange<Double>) throws -> Double {
        guard let v = node.float ?? node.int.map(Double.init) else { throw fail("expected a number") }
        guard range.contains(v) else { throw fail("\(v) is outside \(range.lowerBound)...\(range.upperBound)") }
        return v
    }

    /// "2%", "2.5 %" or 0.02 → 0.02.
    func fraction() throws -> Double {
        let text = try string().trimmingCharacters(in: .whitespaces)
        guard let value = parseFraction(text) else {
            throw fail("expected a percentage like 2% or a fraction like 0.02, got '\(text)'")
        }
        return value
    }

    func strings() throws -> [String] { try items().map { try $0.string() } }
}
