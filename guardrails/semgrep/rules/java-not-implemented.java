class Pricing {
    int price(int n) {
        // ruleid: java-not-implemented
        throw new UnsupportedOperationException();
    }
    int discount(int n) {
        // ruleid: java-not-implemented
        throw new IllegalStateException("Not implemented yet");
    }
    int tax(int n) {
        // ok: java-not-implemented
        if (n < 0) throw new IllegalArgumentException("negative amount");
        return n / 10;
    }
}
