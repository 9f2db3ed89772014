describe("paths", () => {
  // ruleid: js-conditional-skip
  it.skipIf(process.platform === "win32")("uses forward slashes", () => {
    expect(join("a", "b")).toBe("a/b");
  });
  // ruleid: js-conditional-skip
  const itUnix = process.platform === "win32" ? it.skip : it;
  // ok: js-conditional-skip
  it("joins", () => {
    expect(join("a")).toBe("a");
  });
});
