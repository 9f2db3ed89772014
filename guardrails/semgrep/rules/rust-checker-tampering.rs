impl PartialEq for Version {
    // ruleid: rust-checker-tampering
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}
impl PartialEq for Name {
    // ok: rust-checker-tampering
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}
