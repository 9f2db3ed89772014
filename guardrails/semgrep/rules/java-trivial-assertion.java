class PricingTest {
    @Test
    void pricesDouble() {
        int got = new Pricing().price(2);
        // ruleid: java-trivial-assertion
        assertTrue(true);
        // ruleid: java-trivial-assertion
        Assert.assertEquals(4, 4);
        // ruleid: java-trivial-assertion
        assertEquals(got, got);
        // ok: java-trivial-assertion
        assertEquals(4, got);
        // ok: java-trivial-assertion
        assertTrue(got > 0);
    }
}
