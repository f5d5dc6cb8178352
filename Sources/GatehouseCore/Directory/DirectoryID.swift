/// Random identifiers for directory objects: a readable prefix and 96 random bits.
public enum DirectoryID {
    public static func new(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef")
        return prefix + "_" + String((0..<24).map { _ in hex[Int(generator.next(upperBound: 16 as UInt64))] })
    }
}
