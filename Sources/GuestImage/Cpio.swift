import Foundation
import KGateCore

/// One entry of a cpio newc archive.
public struct CpioEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case file(Data)
        case directory
        case symlink(String)
        case characterDevice(major: UInt32, minor: UInt32)
        case blockDevice(major: UInt32, minor: UInt32)
    }

    /// Relative path ("bin/sh").
    public var path: String
    public var kind: Kind
    /// Permission bits (0o755).
    public var permissions: UInt32

    public init(path: String, kind: Kind, permissions: UInt32) {
        self.path = path; self.kind = kind; self.permissions = permissions
    }

    var typeBits: UInt32 {
        switch kind {
        case .file: return 0o100000
        case .directory: return 0o040000
        case .symlink: return 0o120000
        case .characterDevice: return 0o020000
        case .blockDevice: return 0o060000
        }
    }

    var payload: Data {
        switch kind {
        case .file(let d): return d
        case .symlink(let target): return Data(target.utf8)
        default: return Data()
        }
    }
}

/// The SVR4 "newc" cpio format the kernel's initramfs unpacker reads
/// (Documentation/driver-api/early-userspace/buffer-format.rst): a 110-byte
/// ASCII header ("070701" + 13 eight-digit hex fields), the NUL-terminated
/// name padded to 4 bytes, the data padded to 4 bytes; ends with "TRAILER!!!".
public enum Cpio {
    /// Deterministic archive: entries sorted by path bytes (parents sort before
    /// children), inode numbers in that order, uid/gid 0, mtime `mtime`.
    /// Later entries with the same path replace earlier ones.
    public static func archive(_ entries: [CpioEntry], mtime: UInt32 = 0, padTo block: Int = 4) -> Data {
        var byPath: [String: CpioEntry] = [:]
        for e in entries { byPath[e.path] = e }
        let sorted = byPath.values.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        var out = Data()
        var ino: UInt32 = 1
        for e in sorted {
            append(&out, e, ino: ino, mtime: mtime)
            ino += 1
        }
        append(&out, CpioEntry(path: "TRAILER!!!", kind: .file(Data()), permissions: 0), ino: 0, mtime: 0, trailer: true)
        let rem = out.count % block
        if rem != 0 { out.append(Data(count: block - rem)) }
        return out
    }

    private static func append(_ out: inout Data, _ e: CpioEntry, ino: UInt32, mtime: UInt32, trailer: Bool = false) {
        let payload = e.payload
        var rdevMajor: UInt32 = 0, rdevMinor: UInt32 = 0
        switch e.kind {
        case .characterDevice(let ma, let mi), .blockDevice(let ma, let mi): rdevMajor = ma; rdevMinor = mi
        default: break
        }
        let mode: UInt32 = trailer ? 0 : e.typeBits | (e.permissions & 0o7777)
        let nlink: UInt32 = trailer ? 1 : (e.kind == .directory ? 2 : 1)
        let name = Data(e.path.utf8) + Data([0])
        let fields: [UInt32] = [ino, mode, 0, 0, nlink, trailer ? 0 : mtime, UInt32(payload.count), 0, 0,
                                rdevMajor, rdevMinor, UInt32(name.count), 0]
        var header = "070701"
        for f in fields { header += hex8(f) }
        out.append(Data(header.utf8))
        out.append(name)
        pad4(&out)
        out.append(payload)
        pad4(&out)
    }

    private static func hex8(_ v: UInt32) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - s.count) + s
    }

    private static func pad4(_ out: inout Data) {
        let rem = out.count % 4
        if rem != 0 { out.append(Data(count: 4 - rem)) }
    }

    /// One parsed header (for tests and for checking archives).
    public struct Header: Sendable, Equatable {
        public var path: String
        public var mode: UInt32
        public var uid: UInt32
        public var gid: UInt32
        public var mtime: UInt32
        public var data: Data
        public var rdevMajor: UInt32
        public var rdevMinor: UInt32
    }

    /// Parses concatenated newc archives as the kernel does: zero padding
    /// between archives is skipped, each archive ends at "TRAILER!!!".
    public static func read(_ data: Data) throws -> [Header] {
        let bytes = [UInt8](data)
        var pos = 0
        var result: [Header] = []
        func field(_ at: Int, _ i: Int) throws -> UInt32 {
            let start = at + 6 + i * 8
            guard let s = String(bytes: bytes[start..<start + 8], encoding: .ascii), let v = UInt32(s, radix: 16) else {
                throw KGateError.infrastructure("cpio: bad header field \(i) at offset \(at)")
            }
            return v
        }
        while pos < bytes.count {
            if bytes[pos] == 0 { pos += 1; continue }
            guard pos % 4 == 0, pos + 110 <= bytes.count, String(bytes: bytes[pos..<pos + 6], encoding: .ascii) == "070701" else {
                throw KGateError.infrastructure("cpio: no newc header at offset \(pos)")
            }
            let namesize = Int(try field(pos, 11)), filesize = Int(try field(pos, 6))
            let nameStart = pos + 110
            guard namesize >= 1, nameStart + namesize <= bytes.count, bytes[nameStart + namesize - 1] == 0 else {
                throw KGateError.infrastructure("cpio: bad name at offset \(pos)")
            }
            let name = String(decoding: bytes[nameStart..<nameStart + namesize - 1], as: UTF8.self)
            let dataStart = (nameStart + namesize + 3) & ~3
            guard dataStart + filesize <= bytes.count else { throw KGateError.infrastructure("cpio: truncated data for \(name)") }
            let header = Header(path: name, mode: try field(pos, 1), uid: try field(pos, 2), gid: try field(pos, 3),
                                mtime: try field(pos, 5), data: Data(bytes[dataStart..<dataStart + filesize]),
                                rdevMajor: try field(pos, 9), rdevMinor: try field(pos, 10))
            pos = (dataStart + filesize + 3) & ~3
            if name != "TRAILER!!!" { result.append(header) }
        }
        return result
    }
}
