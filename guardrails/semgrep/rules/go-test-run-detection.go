package price

func Price(n int) int {
	// ruleid: go-test-run-detection
	if testing.Testing() {
		return 42
	}
	// ruleid: go-test-run-detection
	if flag.Lookup("test.v") != nil {
		return 43
	}
	// ruleid: go-test-run-detection
	if strings.HasSuffix(os.Args[0], ".test") {
		return 44
	}
	// ok: go-test-run-detection
	if flag.Lookup("verbose") != nil {
		return n
	}
	return n * 2
}
