package metrics_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/scatterbytes/scatterbytes/p2p/metrics"
	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/memstore"
)

func scrape(t *testing.T, s *metrics.Set) metrics.Families {
	t.Helper()
	f, err := metrics.Scrape(s.Handler())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestStoreCountsOperationsAndFollowsAReopenedStore(t *testing.T) {
	set := metrics.New()
	ctx := context.Background()
	st := set.Store(memstore.New(1 << 20))
	data := []byte("chunk bytes")
	id := store.Sum(data)
	if err := st.Put(ctx, id, int64(len(data)), bytes.NewReader(data), nil); err != nil {
		t.Fatal(err)
	}
	if err := st.Put(ctx, id, int64(len(data)), bytes.NewReader(data), nil); err == nil {
		t.Fatal("second put")
	}
	if _, err := st.Get(ctx, store.Sum([]byte("other")), 0, -1); err == nil {
		t.Fatal("get of nothing")
	}
	f := scrape(t, set)
	for _, tc := range []struct {
		op, result string
		want       float64
	}{{"put", "ok", 1}, {"put", "exists", 1}, {"get", "not_found", 1}} {
		if got := f.Value("scatterbytes_store_operations_total", map[string]string{"op": tc.op, "result": tc.result}); got != tc.want {
			t.Errorf("%s %s: %v", tc.op, tc.result, got)
		}
	}
	if got := f.Value("scatterbytes_store_chunks", nil); got != 1 {
		t.Errorf("chunks %v", got)
	}
	if _, ok := st.(store.Quarantiner); !ok {
		t.Error("the counted store lost Quarantine")
	}
	// A node restarted in-process with the same Set: the gauges read the
	// new store.
	set.Store(memstore.New(2 << 20))
	if got := scrape(t, set).Value("scatterbytes_store_capacity_bytes", nil); got != 2<<20 {
		t.Errorf("capacity %v after reopening", got)
	}
}

func TestBandwidthByProtocol(t *testing.T) {
	set := metrics.New()
	b := set.Bandwidth()
	b.LogRecvMessageStream(100, "/scatterbytes/chunk/1.0.0", "")
	b.LogSentMessageStream(7, "/scatterbytes/chunk/1.0.0", "")
	b.LogSentMessage(1000) // the stream call counts the same bytes
	f := scrape(t, set)
	if in := f.Value("scatterbytes_network_received_bytes_total", map[string]string{"protocol": "/scatterbytes/chunk/1.0.0"}); in != 100 {
		t.Errorf("in %v", in)
	}
	if in, out := b.Totals(); in != 100 || out != 7 {
		t.Errorf("totals %d %d", in, out)
	}
	for name := range f {
		if strings.HasPrefix(name, "scatterbytes_") && strings.Contains(name, "bytes") && !strings.HasSuffix(name, "_bytes") &&
			!strings.HasSuffix(name, "_bytes_total") {
			t.Errorf("%s: sizes end in _bytes", name)
		}
	}
}

func TestNilSetRecordsNothing(t *testing.T) {
	var s *metrics.Set
	s.ChunkServed("put", "ok")
	s.GateRefused("denied")
	s.Proof("published")
	if st := memstore.New(1); s.Store(st) != store.Store(st) {
		t.Error("a nil Set wrapped the store")
	}
}
