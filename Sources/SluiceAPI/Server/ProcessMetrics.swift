import SluiceCore
import SluiceEngine

#if canImport(Glibc)
    import Glibc
#endif

/// The process's own metrics, read from `/proc` (Linux): memory, CPU time, open files, threads and
/// start time, under the names Prometheus client libraries use.
enum ProcessMetrics {
    /// The samples now; a value that cannot be read is left out.
    static func samples() -> [MetricSample] {
        var samples: [MetricSample] = []
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        if let stat = readFile("/proc/self/stat"), let fields = statFields(stat), fields.count > 21 {
            // Fields after the command, counted from `state` (field 3 of proc(5)) as index 0.
            if let user = Double(fields[11]), let system = Double(fields[12]) {
                samples.append(MetricSample(MetricFamilies.cpuSeconds, [], (user + system) / ticks))
            }
            if let threads = Double(fields[17]) { samples.append(MetricSample(MetricFamilies.threads, [], threads)) }
            if let started = Double(fields[19]), let boot = bootTime() {
                samples.append(MetricSample(MetricFamilies.startTime, [], boot + started / ticks))
            }
            if let virtual = Double(fields[20]) {
                samples.append(MetricSample(MetricFamilies.virtualMemory, [], virtual))
            }
            if let resident = Double(fields[21]) {
                samples.append(MetricSample(MetricFamilies.residentMemory, [], resident * pageSize))
            }
        }
        if let descriptors = openDescriptors() {
            samples.append(MetricSample(MetricFamilies.openFiles, [], descriptors))
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            samples.append(MetricSample(MetricFamilies.maxFiles, [], Double(limit.rlim_cur)))
        }
        return samples
    }

    /// The fields of `/proc/self/stat` after the command name (which may hold spaces and parentheses).
    private static func statFields(_ text: String) -> [Substring]? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    private static func bootTime() -> Double? {
        readFile("/proc/stat")?.split(separator: "\n").first { $0.hasPrefix("btime ") }
            .flatMap { Double($0.dropFirst("btime ".count)) }
    }

    private static func openDescriptors() -> Double? {
        guard let folder = opendir("/proc/self/fd") else { return nil }
        defer { closedir(folder) }
        var count = 0
        while let entry = readdir(folder) {
            if entry.pointee.d_name.0 != UInt8(ascii: ".") { count += 1 }
        }
        // The folder being read is itself an open descriptor.
        return Double(count - 1)
    }

    private static func readFile(_ path: String) -> String? {
        try? TextFile.read(path).get()
    }
}
