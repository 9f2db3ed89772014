describe("cart", () => {
  // ruleid: js-focused-test
  it.only("adds items", () => {
    expect(add([], 1)).toEqual([1]);
  });
  // ruleid: js-focused-test
  fit("removes items", () => {
    expect(remove([1], 1)).toEqual([]);
  });
  // ruleid: js-focused-test
  describe.only("totals", () => {});
  // ok: js-focused-test
  it("keeps order", () => {
    expect(only([1, 2])).toEqual([1, 2]);
  });
});
