import Foundation
import KGateCore
import TestSupport
import VirtualMachine
@testable import Workloads

/// Fixtures captured for real on the development host (see Fixtures/host-harness.sh).
enum Fixtures {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func data(_ name: String) throws -> Data { try Data(contentsOf: dir.appendingPathComponent(name)) }
    static func text(_ name: String) throws -> String { String(decoding: try data(name), as: UTF8.self) }

    /// The blobs a host-harness run wrote: each file NAME with NAME.rc holding its exit status.
    static func blobs(_ run: String) throws -> [GuestBlob] {
        try blobs(in: dir.appendingPathComponent("host-runs/\(run)"))
    }

    static func blobs(in d: URL) throws -> [GuestBlob] {
        let names = try FileManager.default.contentsOfDirectory(atPath: d.path)
            .filter { !$0.hasSuffix(".rc") && !$0.hasPrefix(".") && $0 != "workload.yaml" }.sorted()
        return try names.map { name in
            let rcText = (try? String(contentsOf: d.appendingPathComponent(name + ".rc"), encoding: .utf8)) ?? "0"
            let rc = Int32(rcText.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
            return GuestBlob(name: name, data: try Data(contentsOf: d.appendingPathComponent(name)), exitCode: rc)
        }
    }

    static func spec(_ run: String) throws -> WorkloadSpec {
        try WorkloadLoader.load(dir.appendingPathComponent("host-runs/\(run)/workload.yaml").path)
    }
}

/// Expects a KGateError and returns it.
func expectKGateError(_ body: () throws -> Void) -> KGateError? {
    do { try body() } catch let e as KGateError { return e } catch { return nil }
    return nil
}
