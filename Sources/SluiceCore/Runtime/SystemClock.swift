#if canImport(Glibc)
    import Glibc
#endif

/// The clocks the engine and the services read.
package enum SystemClock {
    /// Milliseconds since the Unix epoch, from the wall clock.
    package static func wallMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// Nanoseconds from a monotonic clock, for measuring durations.
    package static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// The longest wait the clocks are asked for, in seconds (about 31 years): a longer duration (a
    /// `poll_interval: 300000d`, say) waits this long rather than overflowing a conversion.
    public static let longestWaitSeconds = 1e9

    /// `seconds` in nanoseconds, clamped to `0...longestWaitSeconds`; NaN counts as 0.
    public static func nanoseconds(clamping seconds: Double) -> UInt64 {
        guard seconds > 0 else { return 0 }
        return UInt64(min(seconds, longestWaitSeconds) * 1e9)
    }

    /// The `monotonicNanoseconds()` value `seconds` from now (clamped as by `nanoseconds(clamping:)`).
    public static func monotonicDeadline(afterSeconds seconds: Double) -> UInt64 {
        monotonicNanoseconds() + nanoseconds(clamping: seconds)
    }
}
