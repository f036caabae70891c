import Testing

/// Test tags (docs/DESIGN.md, "Tests"): every @Suite or @Test carries one, itself
/// or through its suite (TestTagsTests checks this). `unit` runs in seconds with no
/// kernel source, QEMU or server; the others name the real part a test needs, and
/// such a test also carries `.needs(...)` (Requirements.swift), which skips it under
/// `KGATE_TESTS=unit`. `swift test --filter` selects by name only, so
/// `bash scripts/test.sh --unit` sets KGATE_TESTS=unit to run `.unit` alone.
extension Tag {
    /// No kernel source, no QEMU, no server: logic, plus small real tools (git, cpio, kgate) on tiny inputs.
    @Tag public static var unit: Self
    /// Imports the kernel tree or builds a real kernel.
    @Tag public static var kernelBuild: Self
    /// Boots a real kernel in QEMU.
    @Tag public static var vm: Self
    /// Opens sockets: a local HTTP server (lore/patchwork stand-ins on 127.0.0.1) or host network namespaces.
    @Tag public static var network: Self
    /// Runs kgate end to end (check, bisect) on real kernels.
    @Tag public static var endToEnd: Self
    /// Talks to a real PostgreSQL server (the throwaway cluster scripts/test.sh starts).
    @Tag public static var database: Self
}
