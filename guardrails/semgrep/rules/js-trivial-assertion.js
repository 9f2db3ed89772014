test("total", () => {
  const total = sum([1, 2]);
  // ruleid: js-trivial-assertion
  expect(true).toBe(true);
  // ruleid: js-trivial-assertion
  expect(1).toEqual(1);
  // ruleid: js-trivial-assertion
  expect(total).toBe(total);
  // ruleid: js-trivial-assertion
  assert.strictEqual(3, 3);
  // ok: js-trivial-assertion
  expect(total).toBe(3);
  // ok: js-trivial-assertion
  assert.strictEqual(total, 3);
});

test("ava total", (t) => {
  // ruleid: js-trivial-assertion
  t.pass();
  // ok: js-trivial-assertion
  t.is(sum([1, 2]), 3);
  // ok: js-trivial-assertion
  route.pass();
});
