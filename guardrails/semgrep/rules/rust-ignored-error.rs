pub fn save(path: &str) {
    match write(path) {
        Ok(n) => log(n),
        // ruleid: rust-ignored-error
        Err(_) => {}
    }
    match sync(path) {
        Ok(()) => (),
        // ok: rust-ignored-error
        Err(e) => eprintln!("sync failed: {}", e),
    }
}
