#[cfg(test)]
mod tests {
    // ruleid: rust-ignored-test
    #[ignore]
    #[test]
    fn parses() {
        assert_eq!(parse("1"), 1);
    }
    // ruleid: rust-ignored-test
    #[cfg_attr(windows, ignore = "no symlinks on windows")]
    #[test]
    fn links() {
        assert!(link("a").is_ok());
    }
    // ok: rust-ignored-test
    #[test]
    fn ignores_case() {
        assert_eq!(parse_ignore_case("A"), 1);
    }
}
