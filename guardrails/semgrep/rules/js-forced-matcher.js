expect.extend({
  toMatchPrice(received, expected) {
    // ruleid: js-forced-matcher
    return { pass: true, message: () => "ok" };
  },
  toBeEven(received) {
    // ok: js-forced-matcher
    return { pass: received % 2 === 0, message: () => `${received} is odd` };
  },
});
// ruleid: js-forced-matcher
globalThis.expect = () => ({ toBe() {} });
// ok: js-forced-matcher
globalThis.fetch = fakeFetch;
