import Testing

@testable import SluiceCore

@Suite struct ExpressionOptionsTests {
    private func options(_ value: ConfigNode, key: String = "condition") -> ConfigNode {
        let at = SourceLocation(file: "p.yaml", line: 12, column: 5)
        return ConfigNode(.map([ConfigNode.Entry(key: key, keyLocation: at, value: value)]), at: at)
    }

    private func scalar(_ text: String, quoted: Bool = false, column: Int = 16) -> ConfigNode {
        ConfigNode(.scalar(text, quoted: quoted), at: SourceLocation(file: "p.yaml", line: 12, column: column))
    }

    @Test func readsAnExpressionOption() {
        var reader = OptionsReader(options(scalar("value >= 1")), stage: "valid")
        let expression = reader.expression("condition", expecting: .bool)
        #expect(expression?.source == "value >= 1")
        #expect(reader.finish().isEmpty)
    }

    @Test func quotedScalarsShiftColumnsByOne() {
        var reader = OptionsReader(options(scalar("lenn(a) > 1", quoted: true)), stage: "valid")
        #expect(reader.expression("condition") == nil)
        let diagnostic = reader.finish().all.first
        #expect(diagnostic?.location == SourceLocation(file: "p.yaml", line: 12, column: 17))
        #expect(diagnostic?.stage == "valid")
    }

    @Test func rejectsAnExpressionOfTheWrongType() {
        var reader = OptionsReader(options(scalar("value + 1")), stage: "valid")
        #expect(reader.expression("condition", expecting: .bool) == nil)
        let diagnostic = reader.finish().all.first
        #expect(diagnostic?.message == "option 'condition' must be a bool expression, found number")
        #expect(diagnostic?.location?.column == 16)
    }

    @Test func requiredExpressionReportsAbsence() {
        var reader = OptionsReader(options(scalar("1"), key: "other"), stage: "valid")
        #expect(reader.requiredExpression("condition") == nil)
        #expect(reader.diagnostics.all.map(\.message) == ["missing required option 'condition'"])
    }

    @Test func readsAMappingOfExpressionsInOrder() {
        let at = SourceLocation(file: "p.yaml", line: 3, column: 7)
        let fields = ConfigNode(
            .map([
                ConfigNode.Entry(key: "b", keyLocation: at, value: scalar("1 + 1")),
                ConfigNode.Entry(key: "a", keyLocation: at, value: scalar("uper(x)")),
                ConfigNode.Entry(key: "c", keyLocation: at, value: scalar("\"s\"", quoted: false)),
            ]), at: at)
        var reader = OptionsReader(options(fields, key: "fields"), stage: "stamp")
        let entries = reader.expressions("fields")
        #expect(entries?.map(\.name) == ["b", "c"])
        #expect(reader.diagnostics.all.first?.suggestion == "upper")
    }
}
