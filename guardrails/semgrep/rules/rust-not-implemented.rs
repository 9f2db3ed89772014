pub fn parse(text: &str) -> u32 {
    // ruleid: rust-not-implemented
    todo!()
}
pub fn render(v: u32) -> String {
    // ruleid: rust-not-implemented
    unimplemented!("later")
}
pub fn check(v: u32) {
    // ok: rust-not-implemented
    panic!("bad value {}", v);
}
