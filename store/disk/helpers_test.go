package disk

import (
	"context"
	"testing"

	"github.com/scatterbytes/scatterbytes/store/storetest"
)

// openTest opens a store in dir and closes it at the end of the test.
func openTest(t testing.TB, dir string, cfg Config) *Store {
	t.Helper()
	if cfg.Capacity == 0 {
		cfg.Capacity = storetest.Plenty
	}
	s, err := Open(context.Background(), dir, cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// mustCheck fails the test if the store's index, counters and files
// disagree, and returns the report.
func mustCheck(t testing.TB, s *Store) Report {
	t.Helper()
	rep, err := s.Check(context.Background())
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if len(rep.Problems) > 0 {
		t.Fatalf("Check found problems: %q", rep.Problems)
	}
	return rep
}
