import CCrypto
import Foundation

/// SHA-256 from OpenSSL's libcrypto (already a kernel build requirement).
public enum Digest {
    public static func sha256(_ data: Data) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = data.withUnsafeBytes { raw -> Int32 in
            out.withUnsafeMutableBufferPointer { md in
                EVP_Digest(raw.baseAddress, raw.count, md.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        precondition(ok == 1 && length == 32, "EVP_Digest(sha256) failed")
        return out
    }

    public static func sha256Hex(_ data: Data) -> String {
        sha256(data).map { String(format: "%02x", $0) }.joined()
    }

    public static func sha256Hex(_ string: String) -> String {
        sha256Hex(Data(string.utf8))
    }
}
