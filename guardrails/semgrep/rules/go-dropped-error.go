package store

func Save(path string) error {
	err := write(path)
	// ruleid: go-dropped-error
	if err != nil {
		return nil
	}
	err = sync(path)
	// ruleid: go-dropped-error
	_ = err
	// ok: go-dropped-error
	if err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}

func Load(path string) (*Data, error) {
	d, err := read(path)
	// ok: go-dropped-error
	if err != nil {
		return nil, err
	}
	return d, nil
}
