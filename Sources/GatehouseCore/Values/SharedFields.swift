/// The fields of a value type held in one shared box: copies of the value share the box, so a
/// copy is one reference counted, not one count for each string, array and dictionary inside.
/// A change copies the box first when another value shares it (copy on write), so the value
/// keeps its value semantics. For values the request path copies many times (`Principal`,
/// `Deployment`, `ForwardRequest`): their members read `shared.fields` and change
/// `SharedFields.unique(&shared).fields`.
package final class SharedFields<Fields: Sendable>: @unchecked Sendable {
    // Unchecked: the box is changed only through `unique(_:)`, when no other value holds it, so
    // no read can overlap a change.
    @exclusivity(unchecked) package var fields: Fields

    package init(_ fields: Fields) { self.fields = fields }

    /// The box `box` points to, copied first when another value shares it, to be changed.
    package static func unique(_ box: inout SharedFields) -> SharedFields {
        if !isKnownUniquelyReferenced(&box) { box = SharedFields(box.fields) }
        return box
    }
}
