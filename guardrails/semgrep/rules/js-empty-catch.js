function load(path) {
  // ruleid: js-empty-catch
  try {
    return JSON.parse(read(path));
  } catch (e) {}
  // ruleid: js-empty-catch
  fetchAll(path).catch(() => {});
  // ok: js-empty-catch
  try {
    return parse(path);
  } catch (e) {
    log(e);
    throw e;
  }
}
