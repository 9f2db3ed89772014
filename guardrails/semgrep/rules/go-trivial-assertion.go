package price

func TestPrice(t *testing.T) {
	got := Price(2)
	// ruleid: go-trivial-assertion
	assert.True(t, true)
	// ruleid: go-trivial-assertion
	assert.Equal(t, got, got)
	// ruleid: go-trivial-assertion
	if false {
		t.Errorf("got %d", got)
	}
	// ok: go-trivial-assertion
	assert.Equal(t, 4, got)
}
