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
}
