package chunk

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/memstore"
)

// heldStore holds every Put until release is closed.
type heldStore struct {
	store.Store
	entered chan struct{}
	release chan struct{}
}

func (s *heldStore) Put(ctx context.Context, id cid.Cid, size int64, r io.Reader, meta []byte) error {
	s.entered <- struct{}{}
	<-s.release
	return s.Store.Put(ctx, id, size, r, meta)
}

func TestActiveCountsExchangesInProgress(t *testing.T) {
	e := newEnv(t)
	st := &heldStore{Store: memstore.New(1 << 30), entered: make(chan struct{}, 1), release: make(chan struct{})}
	svc := e.serve(t, st, nil)
	if n := svc.Active(); n != 0 {
		t.Fatalf("Active = %d before any request, want 0", n)
	}
	h, k := e.party(1)
	data := randomChunk(t, 64<<10)
	done := make(chan error, 1)
	go func() {
		_, err := e.client().Upload(testCtx(t), h, e.server().ID, signedOrder(t, k, data), bytes.NewReader(data))
		done <- err
	}()
	<-st.entered
	if n := svc.Active(); n != 1 {
		t.Fatalf("Active = %d while a PUT is storing, want 1", n)
	}
	close(st.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	err := wait.For(testCtx(t), func() error {
		if n := svc.Active(); n != 0 {
			return fmt.Errorf("Active = %d after the PUT, want 0", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
