package price

func TestPrice(t *testing.T) {
	// ruleid: go-skipped-test
	t.Skip("flaky")
	if Price(2) != 4 {
		t.Errorf("got %d", Price(2))
	}
}

func TestWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		// ruleid: go-skipped-test
		t.Skip("no symlinks on windows")
	}
	t.Run("sub", func(t *testing.T) {
		// ruleid: go-skipped-test
		t.SkipNow()
	})
	// ok: go-skipped-test
	reader.Skip(4)
}
