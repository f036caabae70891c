import Foundation
import KGateCore

/// Facts read from an x86 bzImage (Documentation/arch/x86/boot.rst).
public enum KernelImage {
    /// The kernel version string ("6.12.117+ (root@vm) #1 SMP …"): the setup
    /// header at 0x1f1 carries "HdrS" at 0x202 and, at 0x20e, a pointer to the
    /// string relative to 0x200.
    public static func versionString(of bzImage: URL) throws -> String {
        let data = try readBoundedFile(bzImage, limit: 512 << 20, what: "kernel image")
        let b = [UInt8](data.prefix(64 << 10))
        func bad(_ why: String) -> KGateError {
            KGateError.usage("not an x86 bzImage: \(why)", location: bzImage.path,
                             fix: "pass arch/x86/boot/bzImage from a kernel build (kgate build prints its path)")
        }
        guard b.count > 0x210 else { throw bad("too short") }
        guard b[0x1fe] == 0x55, b[0x1ff] == 0xaa else { throw bad("no boot sector signature") }
        guard b[0x202..<0x206].elementsEqual(Array("HdrS".utf8)) else { throw bad("no HdrS setup header") }
        let pointer = Int(b[0x20e]) | Int(b[0x20f]) << 8
        guard pointer != 0 else { throw bad("no kernel_version pointer") }
        let start = pointer + 0x200
        guard start < b.count else { throw bad("kernel_version pointer out of range") }
        var end = start
        while end < b.count, b[end] != 0, end - start < 512 { end += 1 }
        let s = String(decoding: b[start..<end], as: UTF8.self)
        guard !s.isEmpty else { throw bad("empty version string") }
        return s
    }

    /// The release as `uname -r` prints it ("6.12.117+").
    public static func release(of bzImage: URL) throws -> String {
        String(try versionString(of: bzImage).split(separator: " ").first ?? "")
    }
}
