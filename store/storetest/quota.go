package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/scatterbytes/scatterbytes/store"
)

// chargeOf measures what one chunk of n bytes with metaLen bytes of meta
// costs against capacity in this implementation.
func chargeOf(t *testing.T, open Factory, n, metaLen int) int64 {
	t.Helper()
	s := open(t, Plenty)
	data, _ := Chunk(50, n)
	MustPut(t, s, data, make([]byte, metaLen))
	return MustUsage(t, s).Bytes
}

func testQuota(t *testing.T, open Factory) {
	const n, metaLen = 1000, 7
	charge := chargeOf(t, open, n, metaLen)
	if charge < n {
		t.Fatalf("a %d-byte chunk charged %d bytes", n, charge)
	}
	s := open(t, 3*charge)
	ctx := context.Background()
	var ids []string
	for i := range 3 {
		data, _ := Chunk(uint64(60+i), n)
		ids = append(ids, MustPut(t, s, data, []byte("order-x")).KeyString())
	}
	full := MustUsage(t, s)
	if full.Bytes != full.Capacity {
		t.Fatalf("usage after filling = %+v, want Bytes == Capacity", full)
	}
	data, id := Chunk(70, n)
	err := s.Put(ctx, id, n, noRead{t}, []byte("order-x"))
	wantErr(t, "Put into a full store", err, store.ErrNoSpace)
	wantHas(t, s, id, false)
	if got := MustUsage(t, s); got != full {
		t.Fatalf("usage changed from %+v to %+v", full, got)
	}
	_, first := Chunk(60, n)
	if err := s.Delete(ctx, first); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	MustPut(t, s, data, []byte("order-x"))
}

func testQuotaConcurrent(t *testing.T, open Factory) {
	const n, metaLen, tries = 1000, 7, 10
	charge := chargeOf(t, open, n, metaLen)
	s := open(t, 3*charge)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok, full int
	for i := range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data, id := Chunk(uint64(80+i), n)
			err := s.Put(context.Background(), id, n, bytes.NewReader(data), []byte("order-x"))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, store.ErrNoSpace):
				full++
			default:
				t.Errorf("Put: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 3 || full != tries-3 {
		t.Fatalf("%d puts succeeded and %d were refused, want 3 and %d", ok, full, tries-3)
	}
	if u := MustUsage(t, s); u.Bytes != u.Capacity || u.Chunks != 3 {
		t.Fatalf("usage = %+v", u)
	}
}

// cancelReader cancels its context after the first read.
type cancelReader struct {
	r      *bytes.Reader
	cancel context.CancelFunc
}

func (c *cancelReader) Read(p []byte) (int, error) {
	defer c.cancel()
	return c.r.Read(p[:min(len(p), 1000)])
}

func testCancel(t *testing.T, open Factory) {
	s := open(t, Plenty)
	before := MustUsage(t, s)
	data, id := Chunk(90, 3<<20)
	ctx, cancel := context.WithCancel(context.Background())
	err := s.Put(ctx, id, int64(len(data)), &cancelReader{bytes.NewReader(data), cancel}, nil)
	wantErr(t, "Put cancelled midway", err, context.Canceled)
	wantHas(t, s, id, false)
	if got := MustUsage(t, s); got != before {
		t.Fatalf("usage changed from %+v to %+v", before, got)
	}
	MustPut(t, s, data, nil)
}

func testConcurrent(t *testing.T, open Factory) {
	s := open(t, Plenty)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 6 {
				data, id := Chunk(uint64(1000+w*100+i), 1+((w*6+i)*7919)%(300<<10))
				if err := s.Put(context.Background(), id, int64(len(data)), bytes.NewReader(data), []byte{byte(w)}); err != nil {
					t.Errorf("Put: %v", err)
					return
				}
				rc, err := s.Get(context.Background(), id, 0, -1)
				if err != nil {
					t.Errorf("Get: %v", err)
					return
				}
				var got bytes.Buffer
				got.ReadFrom(rc)
				rc.Close()
				if !bytes.Equal(got.Bytes(), data) {
					t.Errorf("Get of %s returned other bytes", id)
				}
			}
		}()
	}
	// The same chunk put by many at once: one wins, the rest see ErrExists.
	data, id := Chunk(2000, 200<<10)
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Put(context.Background(), id, int64(len(data)), bytes.NewReader(data), nil)
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrExists):
			t.Errorf("concurrent Put of one chunk: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d concurrent puts of one chunk succeeded, want 1", won)
	}
	if u := MustUsage(t, s); u.Chunks != 8*6+1 {
		t.Fatalf("Usage.Chunks = %d, want %d", u.Chunks, 8*6+1)
	}
}

func testClosed(t *testing.T, open Factory) {
	s := open(t, Plenty)
	data, id := Chunk(3000, 10)
	MustPut(t, s, data, nil)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ctx := context.Background()
	for name, err := range map[string]error{
		"Put":     s.Put(ctx, id, 10, bytes.NewReader(data), nil),
		"Get":     second(s.Get(ctx, id, 0, -1)),
		"Has":     second(s.Has(ctx, id)),
		"Stat":    second(s.Stat(ctx, id)),
		"Delete":  s.Delete(ctx, id),
		"Iterate": s.Iterate(ctx, id, func(store.Info) error { return nil }),
		"Usage":   second(s.Usage(ctx)),
	} {
		t.Run(name, func(t *testing.T) { wantErr(t, fmt.Sprintf("%s after Close", name), err, store.ErrClosed) })
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }
