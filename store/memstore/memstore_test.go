package memstore

import (
	"testing"

	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, capacity int64) store.Store {
		s := New(capacity)
		t.Cleanup(func() { s.Close() })
		return s
	})
}
