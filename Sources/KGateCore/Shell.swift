/// POSIX shell words: the QEMU command line kgate logs, the guest plans it writes.
public enum Shell {
    /// `word` as one shell word: unchanged when it is plain ASCII letters, digits
    /// and `-_./=:,+@%`, else single-quoted.
    public static func quote(_ word: String) -> String {
        if !word.isEmpty, word.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0)) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
