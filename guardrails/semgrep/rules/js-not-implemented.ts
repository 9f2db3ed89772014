export function parse(text: string): number {
  // ruleid: js-not-implemented
  throw new Error("not implemented");
}
export function check(text: string): void {
  // ok: js-not-implemented
  if (!text) throw new TypeError("text is required");
}
