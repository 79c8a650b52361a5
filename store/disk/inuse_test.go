package disk

import (
	"errors"
	"path/filepath"
	"testing"
)

func TestInUse(t *testing.T) {
	dir := t.TempDir()
	if err := InUse(filepath.Join(dir, "none")); err != nil {
		t.Fatalf("no store: %v", err)
	}
	s := openTest(t, dir, DefaultConfig(1<<20))
	if err := InUse(dir); !errors.Is(err, ErrLocked) {
		t.Fatalf("open store: %v, want ErrLocked", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := InUse(dir); err != nil {
		t.Fatalf("closed store: %v", err)
	}
	// InUse let go of the lock: the store opens.
	openTest(t, dir, DefaultConfig(1<<20)).Close()
}
