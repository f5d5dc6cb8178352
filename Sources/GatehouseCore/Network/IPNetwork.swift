#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 or IPv6 network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`, or a single address).
/// IPv4-mapped IPv6 addresses (`::ffff:10.1.2.3`) are compared as the IPv4 addresses they are.
public struct IPNetwork: Sendable, Equatable, CustomStringConvertible {
    /// 4 or 16 bytes, host bits zeroed.
    let bytes: [UInt8]
    let prefix: Int
    public let description: String

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = Self.parse(String(parts[0])) else { return nil }
        let bits = address.count * 8
        let prefix: Int
        if parts.count == 2 {
            guard let given = Int(parts[1]), (0...bits).contains(given) else { return nil }
            prefix = given
        } else {
            prefix = bits
        }
        bytes = Self.mask(address, prefix: prefix)
        self.prefix = prefix
        description = text
    }

    /// Whether `address` (textual, as a socket reports it) lies in this network.
    public func contains(_ address: String) -> Bool {
        guard let parsed = Self.parse(address), parsed.count == bytes.count else { return false }
        return Self.mask(parsed, prefix: prefix) == bytes
    }

    /// Whether every address of `other` lies in this network.
    public func contains(_ other: IPNetwork) -> Bool {
        other.bytes.count == bytes.count && other.prefix >= prefix && Self.mask(other.bytes, prefix: prefix) == bytes
    }

    /// The address's bytes: 4 for IPv4 and IPv4-mapped IPv6, else 16.
    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        // A zone (`fe80::1%eth0`) is not part of the address.
        let host = text.split(separator: "%", maxSplits: 1).first.map(String.init) ?? text
        guard inet_pton(AF_INET6, host, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff { return Array(bytes[12...]) }
        return bytes
    }

    static func mask(_ bytes: [UInt8], prefix: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let keep = max(0, min(8, prefix - index * 8))
            return keep == 8 ? byte : byte & ~(UInt8(0xff) >> keep)
        }
    }
}
