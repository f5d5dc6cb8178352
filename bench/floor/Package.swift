// swift-tools-version:6.0
// The floor under any SwiftNIO gateway: a reverse proxy that does nothing but NIO's HTTP/1.1
// server and client codecs and one keep-alive upstream connection per client connection, on the
// same event loop. bench/floor-run measures it beside nginx and Gatehouse.
import PackageDescription

let package = Package(
    name: "nio-floor",
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3")
    ],
    targets: [
        .executableTarget(
            name: "nio-floor",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: [.swiftLanguageMode(.v5)]
        )
    ]
)
