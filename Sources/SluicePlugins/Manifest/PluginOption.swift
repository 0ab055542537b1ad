import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// The type of a plugin stage's option, as `plugin.yaml` names it; decides how the option is checked at
/// compile time and how its value reaches the plugin (JSON in the `config` frame).
public enum PluginOptionType: String, Sendable, Hashable, CaseIterable {
    case string
    case int
    case float
    case bool
    /// `10s`, sent as integer milliseconds.
    case duration
    /// `64KiB`, sent as integer bytes.
    case size
    /// A file path, sent absolute (relative paths are resolved against the runner's working directory).
    case path
    /// A field name or dotted path, sent as written.
    case field
    case strings = "[string]"
    case fields = "[field]"

    /// Reads option `key` from `reader` as this type: the value sent to the plugin, or `nil` when absent
    /// or invalid (the reader then holds a positioned diagnostic).
    func read(_ key: String, from reader: inout OptionsReader) -> Value? {
        switch self {
        case .string: return reader.string(key).map(Value.string)
        case .int: return reader.int(key).map { .int(Int64($0)) }
        case .float: return reader.double(key).map(Value.double)
        case .bool: return reader.bool(key).map(Value.bool)
        case .duration: return reader.duration(key).map { .int($0.milliseconds) }
        case .size: return reader.size(key).map { .int(Int64($0.bytes)) }
        case .path: return reader.filePath(key).map { .string(Self.absolute($0)) }
        case .field:
            guard let paths = reader.fieldList(key) else { return nil }
            guard paths.count == 1, reader.node(key)?.scalar != nil else {
                reader.error(.wrongType, "option '\(key)' must be one field name", at: reader.location(of: key))
                return nil
            }
            return .string(paths[0].description)
        case .strings: return reader.stringList(key).map { .array($0.map(Value.string)) }
        case .fields: return reader.fieldList(key).map { .array($0.map { .string($0.description) }) }
        }
    }

    /// `path` made absolute against the working directory, since the plugin runs in its own folder.
    private static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/"), let directory = getcwd(nil, 0) else { return path }
        defer { free(directory) }
        return String(cString: directory) + "/" + path
    }
}

/// One option of a plugin stage, from the `options` mapping of its `plugin.yaml` entry.
public struct PluginOption: Sendable, Equatable {
    /// The key in the pipeline file.
    public var name: String
    public var type: PluginOptionType
    /// The default as written in `plugin.yaml` (checked against the type when the plugin loads), or
    /// `nil` for a required option.
    public var defaultNode: ConfigNode?
    /// What the option does.
    public var doc: String

    /// The documentation `runner stages` shows.
    var optionDoc: OptionDoc {
        OptionDoc(name, type.rawValue, default: defaultNode.map(\.scalarText), doc)
    }

    /// Reads this option from a stage's mapping, or its default: the value the plugin gets, `nil` when
    /// it is missing and required or invalid (with a diagnostic on `reader`).
    func read(from reader: inout OptionsReader) -> Value? {
        if reader.contains(name) { return type.read(name, from: &reader) }
        _ = reader.node(name)  // known, so never reported as unknown
        guard let defaultNode else {
            reader.missing(name)
            return nil
        }
        var defaults = OptionsReader(
            ConfigNode(
                .map([.init(key: name, keyLocation: defaultNode.location, value: defaultNode)]),
                at: defaultNode.location),
            stage: reader.stage)
        let value = type.read(name, from: &defaults)
        reader.append(defaults.finish())
        return value
    }
}

extension ConfigNode {
    /// A scalar's text, a list's items in brackets: how a default is shown.
    var scalarText: String {
        if let scalar { return scalar.isEmpty ? "\"\"" : scalar }
        if let items { return "[" + items.map(\.scalarText).joined(separator: ", ") + "]" }
        return "{...}"
    }
}
