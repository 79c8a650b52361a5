package disk

import (
	"testing"

	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, capacity int64) store.Store {
		s := openTest(t, t.TempDir(), Config{Capacity: capacity})
		t.Cleanup(func() {
			if s.db == nil {
				return
			}
			// Whatever the suite did, the files and the index agree.
			if _, err := s.Check(t.Context()); err == nil {
				mustCheck(t, s)
			}
		})
		return s
	})
}
