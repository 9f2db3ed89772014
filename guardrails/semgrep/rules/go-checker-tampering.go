package store

// ruleid: go-checker-tampering
func TestMain(m *testing.M) {
	os.Exit(0)
}

// ruleid: go-checker-tampering
func (v Version) Equal(o Version) bool { return true }

// ok: go-checker-tampering
func (v Version) Less(o Version) bool { return v.n < o.n }

// ok: go-checker-tampering
func TestMain(m *testing.M) {
	setup()
	code := m.Run()
	os.Exit(code)
}
