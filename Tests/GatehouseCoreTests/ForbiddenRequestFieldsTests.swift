import GatehouseCore
import Testing

@Suite struct ForbiddenRequestFieldsTests {
    private func body(_ json: String) throws -> JSONValue { try JSONCoding.decode(Array(json.utf8)) }

    @Test func aBodyWithoutThemPasses() throws {
        #expect(ForbiddenRequestFields.first(in: try body(#"{"model":"m","messages":[],"stream":true}"#)) == nil)
        #expect(ForbiddenRequestFields.first(in: try body("{}")) == nil)
        #expect(ForbiddenRequestFields.first(in: try body(#"["api_base"]"#)) == nil)
        // Nested members are the provider's business (a tool's parameters may be called `headers`).
        #expect(ForbiddenRequestFields.first(in: try body(#"{"tools":[{"headers":{}}],"metadata":{"api_key":"x"}}"#)) == nil)
    }

    @Test func eachNameIsFoundAtTheTop() throws {
        for name in ForbiddenRequestFields.names {
            #expect(ForbiddenRequestFields.first(in: try body(#"{"model":"m","\#(name)":"x"}"#)) == name)
        }
    }

    /// Several forbidden members: the one named is the first in `names`' order, whatever the
    /// body's order, however many members the body has.
    @Test func theFirstInTheListIsNamed() throws {
        #expect(ForbiddenRequestFields.first(in: try body(#"{"organization":1,"headers":2,"api_base":3}"#)) == "api_base")
        #expect(ForbiddenRequestFields.first(in: try body(#"{"litellm_params":1,"api_key":2}"#)) == "api_key")
        let many = (0..<20).map { #""m\#($0)":\#($0)"# }.joined(separator: ",")
        #expect(ForbiddenRequestFields.first(in: try body(#"{\#(many),"organization":1,"base_url":2}"#)) == "base_url")
        #expect(ForbiddenRequestFields.first(in: try body(#"{\#(many)}"#)) == nil)
    }

    @Test func namesDifferingOnlyInCaseOrSpacesAreNotThem() throws {
        #expect(ForbiddenRequestFields.first(in: try body(#"{"API_BASE":1," api_key":2,"headers ":3}"#)) == nil)
    }
}
