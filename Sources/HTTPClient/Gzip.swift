import CZlib
import Foundation
import KGateCore

/// gzip decoding (lore's `t.mbox.gz`) with a bound on the output.
public enum Gzip {
    /// Decompresses gzip data (multi-member streams included). Throws when
    /// the input is not gzip, is truncated, or inflates beyond `limit` bytes.
    public static func decompress(_ data: Data, limit: Int = 64 << 20, source: String = "gzip data") throws -> Data {
        let input = [UInt8](data)
        guard input.count >= 18, input[0] == 0x1f, input[1] == 0x8b else {
            throw KGateError.infrastructure("\(source) is not gzip (bad magic)", location: source,
                                            excerpt: HTTPClient.excerpt(data.prefix(120)))
        }
        var stream = z_stream()
        let initRC = inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initRC == Z_OK else {
            throw KGateError.infrastructure("inflateInit2 failed (zlib \(initRC))", location: source)
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        let chunk = 256 * 1024
        var buffer = [UInt8](repeating: 0, count: chunk)
        try input.withUnsafeBufferPointer { inPtr in
            stream.next_in = UnsafeMutablePointer(mutating: inPtr.baseAddress)
            stream.avail_in = uInt(inPtr.count)
            while true {
                let rc = buffer.withUnsafeMutableBufferPointer { outPtr -> Int32 in
                    stream.next_out = outPtr.baseAddress
                    stream.avail_out = uInt(chunk)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk - Int(stream.avail_out)
                if output.count + produced > limit {
                    throw KGateError.infrastructure("\(source) inflates beyond \(limit) bytes", location: source,
                                                    fix: "the payload is too large (or a decompression bomb)")
                }
                output.append(contentsOf: buffer[0..<produced])
                if rc == Z_STREAM_END {
                    // Another gzip member may follow (concatenated .gz files).
                    if stream.avail_in > 0, let next = stream.next_in, next[0] == 0x1f {
                        guard inflateReset(&stream) == Z_OK else {
                            throw KGateError.infrastructure("inflateReset failed", location: source)
                        }
                        continue
                    }
                    return
                }
                if rc == Z_BUF_ERROR && stream.avail_in == 0 {
                    throw KGateError.infrastructure("\(source) is truncated (gzip stream ends early)", location: source,
                                                    fix: "fetch it again")
                }
                guard rc == Z_OK || rc == Z_BUF_ERROR else {
                    let msg = stream.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
                    throw KGateError.infrastructure("\(source) is corrupt: \(msg)", location: source)
                }
            }
        }
        return output
    }
}
