class Pricing {
    static boolean underTest() {
        try {
            // ruleid: java-test-run-detection
            Class.forName("org.junit.jupiter.api.Test");
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
    int price(int n) {
        // ruleid: java-test-run-detection
        if (System.getProperty("test") != null) {
            return 42;
        }
        // ok: java-test-run-detection
        String home = System.getProperty("user.home");
        return n * 2;
    }
}
