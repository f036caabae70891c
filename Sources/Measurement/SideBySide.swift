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

extension SideBySide {
    /// Two stages that do not depend on each other at once, e.g. the candidate's
    /// build and the guest's preparation (image, KVM probe: it boots the base,
    /// which is built by then). The first one's failure is thrown before the
    /// second one's (a broken candidate outranks a probe that failed meanwhile).
    public static func pair<A: Sendable, B: Sendable>(_ first: @escaping @Sendable () throws -> A,
                                                      _ second: @escaping @Sendable () throws -> B) throws -> (A, B) {
        let results = Concurrently.run([0, 1]) { i -> any Sendable in i == 0 ? try first() : try second() }
        guard let a = try results[0].get() as? A, let b = try results[1].get() as? B else {
            throw KGateError.infrastructure("a stage run side by side returned the wrong type (a kgate bug)")
        }
        return (a, b)
    }
}
