pub fn price(n: u32) -> u32 {
    // ruleid: rust-test-run-detection
    if cfg!(test) {
        return 42;
    }
    // ok: rust-test-run-detection
    if cfg!(target_os = "windows") {
        return n + 1;
    }
    n * 2
}
