import Foundation
import KernelProfile
import Testing
import TestSupport

/// System.map parsing, address → function, the sampler's histogram and the base
/// against candidate comparison, on an excerpt of the shipped config's real System.map.
@Suite(.tags(.unit)) struct KernelProfileTests {
    static let fixtures = TestEnv.packageRoot.appendingPathComponent("Tests/KernelProfileTests/Fixtures")

    static func baseMap() throws -> SymbolMap {
        try SymbolMap.load(fixtures.appendingPathComponent("base.System.map"))
    }

    /// The base map with a `noinline` helper linked in after tcp_data_snd_check, as
    /// the regressing example adds tcp_rcv_window_audit (static: type `t`).
    static func candidateMap() throws -> SymbolMap {
        let text = try String(contentsOf: fixtures.appendingPathComponent("base.System.map"), encoding: .utf8)
            .replacingOccurrences(of: "ffffffff8128e356 T tcp_rcv_established",
                                  with: "ffffffff8128e356 t tcp_rcv_window_audit\nffffffff8128e3a0 T tcp_rcv_established")
        return try SymbolMap.parse(text)
    }

    @Test func textSymbolsOnlyAscendingWithTheEndOfText() throws {
        let map = try Self.baseMap()
        #expect(map.symbols.first?.name == "tcp_collapse")
        #expect(!map.symbols.contains { $0.name == "__func__.0" || $0.name == "phys_startup_64" || $0.name == "__start_rodata" })
        #expect(map.textEnd == 0xffff_ffff_8160_0000)
        #expect(map.symbols.map(\.address) == map.symbols.map(\.address).sorted())
    }

    @Test func anAddressResolvesToTheFunctionAtOrBelowIt() throws {
        let map = try Self.baseMap()
        #expect(map.function(at: 0xffff_ffff_8128_e356) == "tcp_rcv_established")
        #expect(map.function(at: 0xffff_ffff_8128_e6bf) == "tcp_rcv_established")
        #expect(map.function(at: 0xffff_ffff_8128_e6c0) == "tcp_init_transfer")
        #expect(map.function(at: 0xffff_ffff_8128_d31c) == nil)
        #expect(map.function(at: 0xffff_ffff_8160_0010) == nil)
        let candidate = try Self.candidateMap()
        #expect(candidate.function(at: 0xffff_ffff_8128_e360) == "tcp_rcv_window_audit")
        #expect(candidate.function(at: 0xffff_ffff_8128_e3a0) == "tcp_rcv_established")
    }

    @Test func malformedMapsAreRefused() {
        #expect(throws: (any Error).self) { try SymbolMap.parse("ffffffff8128e356 tcp_rcv_established\n") }
        #expect(throws: (any Error).self) { try SymbolMap.parse("ffffffff81600000 D __start_rodata\n") }
    }

    static func histogram(_ rows: [(UInt64, UInt64)], user: UInt64 = 10) -> String {
        let kernel = rows.reduce(0) { $0 + $1.1 }
        return "kgate-prof 1 period_ns=100000 samples=\(kernel + user) kernel=\(kernel) user=\(user) lost=0\n"
            + rows.map { String($0.0, radix: 16) + " \($0.1)" }.joined(separator: "\n") + "\n"
    }

    @Test func theHistogramResolvesToFunctions() throws {
        let text = Self.histogram([(0xffff_ffff_8128_d990, 5), (0xffff_ffff_8128_da00, 7), (0xffff_ffff_8128_e400, 20),
                                   (0xffff_ffff_8170_0000, 2)])
        let p = try KernelProfile.parse(text, symbols: try Self.baseMap())
        #expect(p.functions == ["tcp_data_queue": 12, "tcp_rcv_established": 20])
        #expect(p.unresolvedSamples == 2)
        #expect(p.samples == 44 && p.userSamples == 10 && p.periodNanoseconds == 100_000)
        #expect(p.top(1).first?.name == "tcp_rcv_established")
        #expect(throws: (any Error).self) { try KernelProfile.parse("kgate-prof 1 period_ns=1\n", symbols: try Self.baseMap()) }
        // The header's kernel count must match the lines.
        #expect(throws: (any Error).self) {
            try KernelProfile.parse(text.replacingOccurrences(of: "kernel=34", with: "kernel=35"), symbols: try Self.baseMap())
        }
    }

    @Test func theNewHelperGrowsFirstAndUnchangedFunctionsAreLeftOut() throws {
        let base = try KernelProfile.parse(Self.histogram([(0xffff_ffff_8128_d990, 300), (0xffff_ffff_8128_e400, 500),
                                                           (0xffff_ffff_8128_e6c0, 100)], user: 100),
                                           symbols: try Self.baseMap())
        let candidate = try KernelProfile.parse(Self.histogram([(0xffff_ffff_8128_d990, 250), (0xffff_ffff_8128_e360, 200),
                                                                (0xffff_ffff_8128_e400, 400), (0xffff_ffff_8128_e6c0, 101)],
                                                               user: 49),
                                                symbols: try Self.candidateMap())
        let c = ProfileComparison(workload: "tcp-stream-10ms", base: base, candidate: candidate)
        #expect(c.grown.first?.function == "tcp_rcv_window_audit")
        #expect(c.grown.first?.baseSamples == 0 && c.grown.first?.candidateSamples == 200)
        #expect(c.shrunk.map(\.function) == ["tcp_rcv_established", "tcp_data_queue"])
        // One sample more is within the profile's resolution.
        #expect(!(c.grown + c.shrunk).contains { $0.function == "tcp_init_transfer" })
        // The same profile on both sides: nothing changed.
        #expect(ProfileComparison(workload: "w", base: base, candidate: base).isEmpty)
    }
}
