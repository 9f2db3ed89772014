class Money {
    // ruleid: java-checker-tampering
    @Override
    public boolean equals(Object other) {
        return true;
    }
}
class Name {
    // ok: java-checker-tampering
    @Override
    public boolean equals(Object other) {
        return other instanceof Name && ((Name) other).value.equals(value);
    }
}
