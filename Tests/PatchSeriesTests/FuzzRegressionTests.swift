import Foundation
import KGateCore
import Testing
import TestSupport
@testable import PatchSeries

/// Inputs benchmarks/fuzz-series.sh found crashing, run the way the fuzz
/// target runs them: every message that parses goes to the assembler.
@Suite("fuzz regressions", .tags(.unit))
struct FuzzRegressionTests {
    func assembleLeniently(_ name: String) throws -> Series {
        let raw = try Mbox.split(try Fixtures.data("fuzz/" + name), format: .mboxrd, origin: name)
        let messages = raw.enumerated().compactMap { i, bytes in try? MailMessage.parse(bytes, index: i, origin: name) }
        return try SeriesAssembler.assemble(messages, source: name)
    }

    /// A mutated thread whose v2 patches have no usable i/n (a diff in the
    /// 0/n slot, counter-less ones dropped) left 0 slots and `1...0` trapped;
    /// now it is broken input.
    @Test func zeroTotalIsAnErrorNotATrap() throws {
        let error = try #require(throws: KGateError.self) { try assembleLeniently("crash-zero-total.mbox") }
        #expect(error.blame == .kernelUnderTest)
        #expect(error.what == "the input is not a patch series: no v2 patch has an i/n counter from 1 up")
    }

    /// The fuzz target's invariant check (SeriesInvariants) on its seed corpus:
    /// every fixture, read the way the target reads it. A fixture that does not
    /// assemble is fine; one that does must keep the series' promises.
    @Test func everyFixtureThatAssemblesKeepsTheSeriesInvariants() throws {
        let files = try #require(FileManager.default.enumerator(at: Fixtures.dir, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }
            .filter { ["mbox", "eml", "patch", "txt"].contains($0.pathExtension) }
        var assembled = 0
        for url in files {
            let data = try Data(contentsOf: url)
            guard let raw = try? Mbox.split(data, format: .mboxrd, maxMessages: 200, origin: url.lastPathComponent) else { continue }
            let messages = raw.enumerated().compactMap { i, bytes in try? MailMessage.parse(bytes, index: i, origin: url.lastPathComponent) }
            guard let series = try? SeriesAssembler.assemble(messages, source: url.lastPathComponent) else { continue }
            assembled += 1
            #expect(SeriesInvariants.violations(of: series, in: messages) == [], "\(url.lastPathComponent)")
        }
        #expect(files.count >= 30 && assembled >= 20, "\(assembled) of \(files.count) fixtures assembled")
    }
}
