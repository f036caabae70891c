import Testing

/// Test tags (docs/DESIGN.md, "Tests"): `unit` runs in seconds with no kernel,
/// QEMU or network; the others name the real part a test needs.
/// `swift test --filter` selects by name; `scripts/test.sh --unit` runs `.unit` alone.
extension Tag {
    /// Pure logic: no kernel source, no QEMU, no child process beyond `kgate` itself.
    @Tag public static var unit: Self
    /// Imports the kernel tree or builds a real kernel.
    @Tag public static var kernelBuild: Self
    /// Boots a real kernel in QEMU.
    @Tag public static var vm: Self
    /// Talks to a local HTTP server (lore/patchwork stand-ins on 127.0.0.1).
    @Tag public static var network: Self
    /// Runs kgate end to end (check, bisect) on real kernels.
    @Tag public static var endToEnd: Self
}
