import KGateCore

/// Base and candidate (or a bisection's two endpoints) measured side by side:
/// the one place that decides how two kernels share the host. In deterministic
/// mode they boot at the same time (a seeded guest's figures do not depend on
/// how fast it runs; every boot still holds a `BootSlots` slot); in real-time
/// modes one after the other, in order. After a failure no further kernel
/// starts, and the first failure in kernel order is the one reported (the
/// base's before the candidate's: it makes the candidate's meaningless).
public enum SideBySide {
    /// `body` for each kernel; results in the order of `kernels`.
    public static func results<R: Sendable>(_ kernels: [KernelUnderTest], mode: MeasurementMode,
                                            _ body: @escaping @Sendable (KernelUnderTest) throws -> R) -> [Result<R, Error>] {
        Concurrently.map(kernels, width: mode.isRealTime ? 1 : kernels.count, body)
    }

    /// As `results`, throwing the first failure in kernel order.
    public static func run<R: Sendable>(_ kernels: [KernelUnderTest], mode: MeasurementMode,
                                        _ body: @escaping @Sendable (KernelUnderTest) throws -> R) throws -> [R] {
        try results(kernels, mode: mode, body).map { try $0.get() }
    }
}
