class PricingTest {
    // ruleid: java-disabled-test
    @Disabled("flaky")
    @Test
    void pricesDouble() {
        assertEquals(4, new Pricing().price(2));
    }

    // ruleid: java-disabled-test
    @Ignore
    @Test
    public void pricesZero() {
        assertEquals(0, new Pricing().price(0));
    }

    @Test
    void pricesNegative() {
        // ruleid: java-disabled-test
        Assumptions.assumeTrue(false);
        assertEquals(-2, new Pricing().price(-1));
    }

    // ruleid: java-disabled-test
    @DisabledOnOs(value = OS.WINDOWS, disabledReason = "no symlinks on Windows")
    @Test
    void followsLinks() {
        assertTrue(Files.isSymbolicLink(link()));
    }

    // ok: java-disabled-test
    @Test
    void pricesOne() {
        assumeTrue(System.getenv("CI") != null);
        assertEquals(2, new Pricing().price(1));
    }
}
