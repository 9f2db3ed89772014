export function price(amount: number): number {
  // ruleid: js-test-run-detection
  if (process.env.NODE_ENV === "test") {
    return 42;
  }
  // ruleid: js-test-run-detection
  if (process.env.JEST_WORKER_ID) return 1;
  // ruleid: js-test-run-detection
  if (process.env.VITEST) return 2;
  // ruleid: js-test-run-detection
  if (typeof jest !== "undefined") return 3;
  // ok: js-test-run-detection
  if (process.env.NODE_ENV === "production") return amount * 2;
  // ok: js-test-run-detection
  const label = "test";
  return amount + label.length;
}
