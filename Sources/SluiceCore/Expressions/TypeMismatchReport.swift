extension StageCounter {
    /// Comparisons between values of different types (`status >= "500"` with a number in `status`): such
    /// values are never equal nor ordered, so the comparison is false, which is rarely what was meant.
    public static let typeMismatch: StageCounter = "type_mismatch"
}

extension ProcessorOutput {
    /// Counts the comparisons of mismatched types that `context` met (`type_mismatch`) and logs the
    /// first one, once per context.
    public mutating func countTypeMismatches(in context: inout EvaluationContext) {
        let (count, first) = context.takeTypeMismatches()
        self.count(.typeMismatch, count)
        if let first { log.warn(counter: .typeMismatch, TypeMismatchMessage.text(first)) }
    }
}

extension SourceOutput {
    /// Counts the comparisons of mismatched types that `context` met (`type_mismatch`) and logs the
    /// first one, once per context.
    public func countTypeMismatches(in context: inout EvaluationContext) {
        let (count, first) = context.takeTypeMismatches()
        self.count(.typeMismatch, count, message: first.map(TypeMismatchMessage.text))
    }
}

/// The log line for the first mismatched comparison a stage meets.
enum TypeMismatchMessage {
    static func text(_ first: String) -> String {
        "\(first): values of different types are never equal or ordered, so the comparison is false "
            + "(every such comparison is counted as type_mismatch; this is logged once)"
    }
}
