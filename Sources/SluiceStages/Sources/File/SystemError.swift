#if canImport(Glibc)
    import Glibc
#endif

/// The text of the last system call's error, for log messages.
enum SystemError {
    static var lastMessage: String { String(cString: strerror(errno)) }
}
