import SluiceCore

/// PostgreSQL's text format to typed values, by the column's type OID.
///
/// | PostgreSQL type | value |
/// |---|---|
/// | `boolean` | bool |
/// | `smallint`, `integer`, `bigint`, `oid` | int |
/// | `real`, `double precision`, `numeric` | float (a `numeric` beyond a double's precision is rounded) |
/// | `json`, `jsonb` | the JSON value (object, array, ...) |
/// | `timestamp with time zone`, `timestamp` | RFC 3339 text in UTC: `2026-01-01T10:00:00.123456Z` (a timestamp without zone is read as UTC) |
/// | anything else (`text`, `date`, `uuid`, `interval`, ...) | text, as PostgreSQL prints it |
///
/// The connections that read set `TimeZone = 'UTC'` and `DateStyle = 'ISO'`, which this relies on.
public struct PostgresValues: ~Copyable {
    private var json = JSONReader()

    public init() {}

    /// Type OIDs (pg_type.h), stable across PostgreSQL versions.
    enum OID {
        static let bool: UInt32 = 16
        static let int8: UInt32 = 20
        static let int2: UInt32 = 21
        static let int4: UInt32 = 23
        static let text: UInt32 = 25
        static let oid: UInt32 = 26
        static let json: UInt32 = 114
        static let float4: UInt32 = 700
        static let float8: UInt32 = 701
        static let varchar: UInt32 = 1043
        static let date: UInt32 = 1082
        static let timestamp: UInt32 = 1114
        static let timestamptz: UInt32 = 1184
        static let numeric: UInt32 = 1700
        static let jsonb: UInt32 = 3802
    }

    /// The session settings the conversions rely on.
    public static let sessionSettings = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO'; SET extra_float_digits = 1"

    /// The value PostgreSQL printed as `text` for a column of type `type`.
    public mutating func value(_ text: String, type: UInt32) -> Value {
        switch type {
        case OID.bool: return .bool(text == "t")
        case OID.int2, OID.int4, OID.int8, OID.oid: return Int64(text).map(Value.int) ?? .string(text)
        case OID.float4, OID.float8, OID.numeric: return Double(text).map(Value.double) ?? .string(text)
        case OID.json, OID.jsonb:
            return (try? json.readValue(text)) ?? .string(text)
        case OID.timestamp, OID.timestamptz: return .string(Self.rfc3339(text))
        default: return .string(text)
        }
    }

    /// `2026-01-01 10:00:00.5+00` (ISO style, UTC) as `2026-01-01T10:00:00.5Z`; `infinity` stays as it is.
    static func rfc3339(_ text: String) -> String {
        guard text.utf8.count >= 19, text.utf8[text.utf8.index(text.utf8.startIndex, offsetBy: 10)] == 0x20 else {
            return text
        }
        var result = String(text.prefix(10)) + "T" + text.dropFirst(11)
        if result.hasSuffix("+00") { result.removeLast(3) }
        return result + "Z"
    }
}
