import HTTPTypes
import Testing

@testable import GatehouseServer

@Suite("HTTPFields.value(of:)")
struct HTTPFieldsValueTests {
    /// The fast path answers exactly what the subscript does, repeated fields included.
    @Test func itAnswersAsTheSubscriptDoes() {
        var fields: HTTPFields = [.contentType: "application/json", .accept: "a", .contentLength: "12"]
        fields.append(HTTPField(name: .accept, value: "b"))
        fields.append(HTTPField(name: .cookie, value: "x=1"))
        fields.append(HTTPField(name: .cookie, value: "y=2"))
        for name in [HTTPField.Name.contentType, .contentLength, .accept, .cookie, .authorization] {
            #expect(fields.value(of: name) == fields[name])
        }
        #expect(fields.value(of: .accept) == "a, b")
        #expect(fields.value(of: .cookie) == "x=1; y=2")
        #expect(fields.value(of: .authorization) == nil)
        #expect(fields.value(of: .contentLength) == "12")
    }
}
