import Foundation
import KGateCore

/// What the dynamic loader needs from an ELF64 little-endian file: the
/// interpreter (PT_INTERP) and the DT_NEEDED / DT_RUNPATH / DT_RPATH strings.
public struct ELFDynamicInfo: Sendable, Equatable {
    public var interpreter: String?
    public var needed: [String]
    public var runpath: [String]
    public var machine: UInt16
}

public enum ELF {
    public static let x86_64: UInt16 = 62

    /// Whether the data starts with the ELF magic.
    public static func isELF(_ data: Data) -> Bool {
        data.count >= 4 && data.prefix(4) == Data([0x7f, 0x45, 0x4c, 0x46])
    }

    /// Parses the program headers and the dynamic section. Static binaries give
    /// no interpreter and no needed libraries.
    public static func dynamicInfo(_ data: Data, location: String) throws -> ELFDynamicInfo {
        let b = [UInt8](data)
        func bad(_ why: String) -> KGateError {
            KGateError.infrastructure("not a usable ELF64 object: \(why)", location: location,
                                      fix: "name an x86_64 Linux executable or library in the recipe")
        }
        guard isELF(data), b.count >= 64 else { throw bad("no ELF header") }
        guard b[4] == 2 else { throw bad("not 64-bit") }
        guard b[5] == 1 else { throw bad("not little-endian") }
        func u16(_ o: Int) throws -> UInt16 {
            guard o >= 0, o + 2 <= b.count else { throw bad("truncated at \(o)") }
            return UInt16(b[o]) | UInt16(b[o + 1]) << 8
        }
        func u32(_ o: Int) throws -> UInt32 {
            guard o >= 0, o + 4 <= b.count else { throw bad("truncated at \(o)") }
            return (0..<4).reduce(UInt32(0)) { $0 | UInt32(b[o + $1]) << (8 * UInt32($1)) }
        }
        func u64(_ o: Int) throws -> UInt64 {
            guard o >= 0, o + 8 <= b.count else { throw bad("truncated at \(o)") }
            return (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[o + $1]) << (8 * UInt64($1)) }
        }
        func int(_ v: UInt64) throws -> Int {
            guard v < UInt64(b.count) * 2 + (1 << 40) else { throw bad("offset out of range") }
            return Int(v)
        }
        func cString(_ o: Int) throws -> String {
            guard o >= 0, o < b.count else { throw bad("string offset out of range") }
            var end = o
            while end < b.count, b[end] != 0 { end += 1 }
            guard end < b.count, end - o < 4096 else { throw bad("unterminated string") }
            return String(decoding: b[o..<end], as: UTF8.self)
        }
        let machine = try u16(18)
        let phoff = try int(try u64(32))
        let phentsize = Int(try u16(54)), phnum = Int(try u16(56))
        guard phentsize >= 56, phnum < 4096 else { throw bad("bad program header table") }

        struct Load { var vaddr: UInt64; var offset: UInt64; var filesz: UInt64 }
        var loads: [Load] = []
        var interpreter: String?
        var dynamic: (offset: Int, size: Int)?
        for i in 0..<phnum {
            let ph = phoff + i * phentsize
            let type = try u32(ph)
            let offset = try u64(ph + 8), vaddr = try u64(ph + 16), filesz = try u64(ph + 32)
            switch type {
            case 1: loads.append(Load(vaddr: vaddr, offset: offset, filesz: filesz))
            case 2: dynamic = (try int(offset), try int(filesz))
            case 3: interpreter = try cString(try int(offset))
            default: break
            }
        }
        func fileOffset(_ vaddr: UInt64) throws -> Int {
            for l in loads where vaddr >= l.vaddr && vaddr < l.vaddr + l.filesz {
                return try int(vaddr - l.vaddr + l.offset)
            }
            throw bad("address 0x\(String(vaddr, radix: 16)) is in no PT_LOAD segment")
        }
        guard let dynamic else { return ELFDynamicInfo(interpreter: interpreter, needed: [], runpath: [], machine: machine) }
        var strtab: UInt64?
        var neededOffsets: [UInt64] = [], runpathOffsets: [UInt64] = []
        var at = dynamic.offset
        scan: while at + 16 <= dynamic.offset + dynamic.size {
            let tag = try u64(at), val = try u64(at + 8)
            at += 16
            switch tag {
            case 0: break scan
            case 1: neededOffsets.append(val)
            case 5: strtab = val
            case 15, 29: runpathOffsets.append(val)
            default: break
            }
        }
        guard !neededOffsets.isEmpty || !runpathOffsets.isEmpty else {
            return ELFDynamicInfo(interpreter: interpreter, needed: [], runpath: [], machine: machine)
        }
        guard let strtab else { throw bad("DT_NEEDED without DT_STRTAB") }
        let base = try fileOffset(strtab)
        let needed = try neededOffsets.map { try cString(base + (try int($0))) }
        let runpath = try runpathOffsets.flatMap { try cString(base + (try int($0))).split(separator: ":").map(String.init) }
        return ELFDynamicInfo(interpreter: interpreter, needed: needed, runpath: runpath, machine: machine)
    }
}
