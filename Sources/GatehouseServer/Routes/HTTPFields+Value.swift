import HTTPTypes

extension HTTPFields {
    /// `self[name]`: the field's value, or the values of a repeated field joined as `HTTPFields`
    /// joins them. A field that appears once (as nearly every one does) is returned as it is,
    /// without the generic join the subscript goes through.
    func value(of name: HTTPField.Name) -> String? {
        var found: String?
        for field in self where field.name == name {
            guard found == nil else { return self[name] }
            found = field.value
        }
        return found
    }
}
