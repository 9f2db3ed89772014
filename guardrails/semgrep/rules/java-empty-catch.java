class Store {
    void save(String path) {
        // ruleid: java-empty-catch
        try {
            write(path);
        } catch (IOException e) {
        }
        // ok: java-empty-catch
        try {
            sync(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
