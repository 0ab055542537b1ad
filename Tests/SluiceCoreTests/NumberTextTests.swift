import SluiceCore
import Testing

/// Fixed-decimal and grouped number text, as stats tables, logs and benchmark reports print it.
@Suite struct NumberTextTests {
    @Test func fixedDecimalsRoundAndPad() {
        #expect(NumberText.fixed(1.5, decimals: 3) == "1.500")
        #expect(NumberText.fixed(2.856, decimals: 2) == "2.86")
        #expect(NumberText.fixed(0.004, decimals: 2) == "0.00")
        #expect(NumberText.fixed(-0.004, decimals: 2) == "0.00")
        #expect(NumberText.fixed(-1.25, decimals: 1) == "-1.3")
        #expect(NumberText.fixed(12.0, decimals: 0) == "12")
        #expect(NumberText.fixed(.infinity, decimals: 2) == "-")
    }

    @Test func groupingSeparatesThousands() {
        #expect(NumberText.fixed(1_234_567.891, decimals: 1, grouping: true) == "1,234,567.9")
        #expect(NumberText.fixed(1_234_567.891, decimals: 1) == "1234567.9")
        #expect(NumberText.grouped(-1_000) == "-1,000")
        #expect(NumberText.grouped(999) == "999")
    }
}
