import CSQLite
import SluiceCore

/// A prepared SQLite statement: bind parameters (numbered from 1), step, reset, read columns.
public final class SQLiteStatement {
    /// The connection it was prepared on, kept alive by the statement.
    public let connection: SQLiteConnection
    let handle: OpaquePointer

    init(connection: SQLiteConnection, sql: String) throws(SQLiteError) {
        self.connection = connection
        var prepared: OpaquePointer?
        // The text after the first statement must hold nothing but whitespace and comments: running one
        // statement and silently ignoring the rest would surprise.
        var restHasStatement = false
        let status = sql.withCString { text in
            var tail: UnsafePointer<CChar>?
            let flags = UInt32(SQLITE_PREPARE_PERSISTENT)
            let status = sqlite3_prepare_v3(connection.handle, text, -1, flags, &prepared, &tail)
            if status == SQLITE_OK, let tail, tail.pointee != 0 {
                var next: OpaquePointer?
                let nextStatus = sqlite3_prepare_v2(connection.handle, tail, -1, &next, nil)
                restHasStatement = next != nil || nextStatus != SQLITE_OK
                sqlite3_finalize(next)
                if nextStatus != SQLITE_OK { return nextStatus }
            }
            return status
        }
        guard status == SQLITE_OK, !restHasStatement, let prepared else {
            sqlite3_finalize(prepared)
            if status != SQLITE_OK { throw connection.error(status) }
            let message = restHasStatement ? "only one statement may be given" : "no statement to run"
            throw SQLiteError(code: SQLITE_MISUSE, message: message, path: connection.path)
        }
        handle = prepared
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: Binding

    /// Binds SQL NULL to parameter `index`.
    public func bindNull(at index: Int32) {
        sqlite3_bind_null(handle, index)
    }

    /// Binds an integer to parameter `index`.
    public func bind(_ value: Int64, at index: Int32) {
        sqlite3_bind_int64(handle, index, value)
    }

    /// Binds a double to parameter `index`.
    public func bind(_ value: Double, at index: Int32) {
        sqlite3_bind_double(handle, index, value)
    }

    /// Binds UTF-8 text to parameter `index`; SQLite copies it.
    public func bind(_ text: String, at index: Int32) {
        var text = text
        text.withUTF8 { bytes in
            // A non-null pointer even for "", which SQLite would otherwise bind as NULL.
            let base = bytes.baseAddress.map(UnsafeRawPointer.init) ?? UnsafeRawPointer(bitPattern: 1)!
            sqlite3_bind_text(
                handle, index, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count), csqlite_transient())
        }
    }

    /// Binds UTF-8 text given as bytes to parameter `index`; SQLite copies it.
    public func bindText(_ bytes: [UInt8], at index: Int32) {
        bytes.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress.map(UnsafeRawPointer.init) ?? UnsafeRawPointer(bitPattern: 1)!
            sqlite3_bind_text(
                handle, index, base.assumingMemoryBound(to: CChar.self), Int32(buffer.count), csqlite_transient())
        }
    }

    /// Binds `stored` to parameter `index`: a boolean as 1 or 0, JSON as its text (written with `scratch`).
    public func bind(_ stored: StoredValue, at index: Int32, scratch: inout JSONWriter) {
        switch stored {
        case .null: bindNull(at: index)
        case .integer(let number): bind(number, at: index)
        case .real(let number): bind(number, at: index)
        case .boolean(let flag): bind(Int64(flag ? 1 : 0), at: index)
        case .text(let text): bind(text, at: index)
        case .json(let value):
            scratch.reset()
            scratch.write(value)
            bindText(scratch.bytes, at: index)
        }
    }

    // MARK: Running

    /// Runs the statement to its next row: true when a row is ready to read, false when it is done.
    @discardableResult
    public func step() throws(SQLiteError) -> Bool {
        let status = sqlite3_step(handle)
        switch status {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(status)
        }
    }

    /// Makes the statement ready to run again, keeping its bindings.
    public func reset() {
        sqlite3_reset(handle)
    }

    /// Sets every parameter back to NULL.
    public func clearBindings() {
        sqlite3_clear_bindings(handle)
    }

    // MARK: Reading

    /// The number of columns of each row.
    public var columnCount: Int32 { sqlite3_column_count(handle) }

    /// The name of column `index` (from 0), as SQLite reports it.
    public func columnName(_ index: Int32) -> String {
        sqlite3_column_name(handle, index).map { String(cString: $0) } ?? ""
    }

    /// The value of column `index` (from 0) of the current row. A BLOB reads as its hexadecimal text.
    public func value(at index: Int32) -> Value {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER:
            return .int(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT:
            return .double(sqlite3_column_double(handle, index))
        case SQLITE_TEXT:
            let count = Int(sqlite3_column_bytes(handle, index))
            guard let text = sqlite3_column_text(handle, index) else { return .string("") }
            return .string(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, index))
            guard let blob = sqlite3_column_blob(handle, index) else { return .string("") }
            let bytes = UnsafeRawBufferPointer(start: blob, count: count)
            return .string(
                bytes.map { byte in
                    let digits = Array("0123456789abcdef")
                    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
                }.joined())
        default:
            return .null
        }
    }
}
