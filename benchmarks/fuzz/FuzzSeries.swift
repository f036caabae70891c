// libFuzzer entry point for the mail/series parser. Not part of the Swift
// package: benchmarks/fuzz-series.sh compiles it with swiftc
// -sanitize=fuzzer together with the PatchSeries parser sources (one module,
// so internal functions are reachable) against KGateCore.
import Foundation
import KGateCore

/// One input: an mbox (or a single mail) run through everything `kgate series
/// show` and `apply` do with untrusted text before libgit2 sees it. Errors are
/// expected; a trap (overflow, bad index, force unwrap) is a crash, and so is a
/// series that breaks its promises (SeriesInvariants: only mails labelled with
/// its revision or named as carried, in counter order, of one total, every
/// other patch named as dropped).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSeries(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let bytes, size > 0 else { return 0 }
    let data = Data(bytes: bytes, count: size)
    for format in [MboxFormat.mboxrd, .mboxo] {
        guard let raw = try? Mbox.split(data, format: format, maxMessages: 200, origin: "fuzz") else { continue }
        var messages: [MailMessage] = []
        for (i, slice) in raw.enumerated() {
            guard let mail = try? MailMessage.parse(slice, index: i, origin: "fuzz") else { continue }
            _ = SubjectInfo.parse(mail.subject)
            _ = PatchBody.split(mail.body)
            _ = PatchBody.replyTrailers(mail.body)
            _ = try? mail.date()
            messages.append(mail)
        }
        guard let series = try? SeriesAssembler.assemble(messages, source: "fuzz") else { continue }
        let broken = SeriesInvariants.violations(of: series, in: messages)
        if !broken.isEmpty { fatalError("series invariants: " + broken.joined(separator: "; ")) }
        _ = series.summary()
        _ = try? series.json()
        for patch in series.patchesToApply() { _ = TraditionalDiff.gitForm(patch.diff) }
    }
    return 0
}
