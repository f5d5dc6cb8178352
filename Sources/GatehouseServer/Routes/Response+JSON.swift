import GatehouseCore
import HTTPTypes
import Hummingbird
import NIOCore

extension Response {
    /// A JSON body written with Gatehouse's own encoder.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: JSONCoding.encode(value))))
    }
}
