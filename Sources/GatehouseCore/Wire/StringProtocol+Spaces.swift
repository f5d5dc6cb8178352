extension StringProtocol {
    /// Without leading and trailing spaces and tabs (header values, list elements).
    public var trimmingSpaces: String {
        var view = self[...]
        while view.first == " " || view.first == "\t" { view = view.dropFirst() }
        while view.last == " " || view.last == "\t" { view = view.dropLast() }
        return String(view)
    }
}
