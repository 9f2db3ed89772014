describe("parser", () => {
  // ruleid: js-skipped-test
  it.skip("parses numbers", () => {
    expect(parse("1")).toBe(1);
  });
  // ruleid: js-skipped-test
  xit("parses words", () => {
    expect(parse("a")).toBe("a");
  });
  // ruleid: js-skipped-test
  test.todo("parses dates");
  // ruleid: js-skipped-test
  xdescribe("errors", () => {});
  it("works offline", function () {
    // ruleid: js-skipped-test
    this.skip();
  });
  // ok: js-skipped-test
  it("parses lists", () => {
    expect(parse("[1]")).toEqual([1]);
  });
  // ok: js-skipped-test
  reader.skip(4);
});
