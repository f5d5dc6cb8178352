#if canImport(Glibc)
    import Glibc
#endif

/// The C allocator's free memory, handed back to the system after a large transient use (a
/// full load of the key cache reads every key once in pages and then drops them).
enum FreeMemory {
    static func returnToSystem() {
        #if canImport(Glibc)
            // glibc's `malloc_trim` is not in Swift's Glibc module; looked up by name (start-up and reloads only).
            typealias Trim = @convention(c) (Int) -> Int32
            guard let symbol = dlsym(nil, "malloc_trim") else { return }
            _ = unsafeBitCast(symbol, to: Trim.self)(0)
        #endif
    }
}
