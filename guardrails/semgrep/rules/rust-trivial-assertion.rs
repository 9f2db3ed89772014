#[test]
fn parses() {
    let v = parse("1");
    // ruleid: rust-trivial-assertion
    assert!(true);
    // ruleid: rust-trivial-assertion
    assert_eq!(1, 1);
    // ruleid: rust-trivial-assertion
    assert_eq!(v, v);
    // ok: rust-trivial-assertion
    assert_eq!(v, 1);
    // ok: rust-trivial-assertion
    assert!(v > 0);
}
