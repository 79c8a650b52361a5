package storage

import (
	"bytes"
	"context"
	"crypto/rand"
	"slices"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/memstore"
)

// TestEachGroupsInBatches: read a few chunks at a time, every group the
// node holds a part of comes out exactly once, with every member the node
// holds (of a stripe, two members are held here), and expired orders are
// passed over.
func TestEachGroupsInBatches(t *testing.T) {
	ctx := context.Background()
	st := memstore.New(0)
	client, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	put := func(data []byte, o chunk.Order) {
		t.Helper()
		if err := chunk.SignOrder(client, &o); err != nil {
			t.Fatal(err)
		}
		if err := st.Put(ctx, o.Chunk, o.Size, bytes.NewReader(data), o.Marshal()); err != nil {
			t.Fatal(err)
		}
	}
	expiry := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	want := map[string][]cid.Cid{} // group key → the members held
	for i := range 40 {
		var ids []cid.Cid
		var datas [][]byte
		for range 6 {
			b := make([]byte, 64)
			rand.Read(b)
			ids, datas = append(ids, store.Sum(b)), append(datas, b)
		}
		held := []int{i % 6}
		if i%3 == 0 {
			held = append(held, (i+2)%6) // two members of this stripe here
		}
		var mine []cid.Cid
		for _, j := range held {
			exp := expiry
			if i == 7 {
				exp = time.Now().Add(-time.Minute).Truncate(time.Millisecond)
			}
			put(datas[j], chunk.Order{Chunk: ids[j], Size: 64, Expiry: exp, K: 4, M: 2, Stripe: ids, Created: time.Now()})
			mine = append(mine, ids[j])
		}
		if i != 7 {
			o := chunk.Order{Stripe: ids}
			want[groupKey(&o, ids[0])] = mine
		}
	}
	for i := range 5 { // replicated chunks: a group of one ID
		b := make([]byte, 32+i)
		rand.Read(b)
		id := store.Sum(b)
		put(b, chunk.Order{Chunk: id, Size: int64(len(b)), Expiry: expiry, K: 1, M: 3, Created: time.Now()})
		want["c"+id.KeyString()] = []cid.Cid{id}
	}
	defer func(n int) { groupBatch = n }(groupBatch)
	for _, batch := range []int{1, 3, 7, 1000} {
		groupBatch = batch
		got := map[string][]cid.Cid{}
		reads, calls := 0, 0
		err := eachGroups(ctx, st, func(gs []*group, read int) error {
			calls++
			reads += read
			if read > batch {
				t.Fatalf("batch %d: %d chunks read at once", batch, read)
			}
			for _, g := range gs {
				k := groupKey(&g.order, g.members[0])
				if _, dup := got[k]; dup {
					t.Fatalf("batch %d: a group came out twice", batch)
				}
				got[k] = g.mine
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if u, _ := st.Usage(ctx); reads != int(u.Chunks) {
			t.Fatalf("batch %d: %d chunks read, the store holds %d", batch, reads, u.Chunks)
		}
		if len(got) != len(want) {
			t.Fatalf("batch %d: %d groups, want %d", batch, len(got), len(want))
		}
		for k, mine := range want {
			g := got[k]
			slices.SortFunc(g, func(a, b cid.Cid) int { return bytes.Compare(a.Bytes(), b.Bytes()) })
			slices.SortFunc(mine, func(a, b cid.Cid) int { return bytes.Compare(a.Bytes(), b.Bytes()) })
			if !slices.EqualFunc(g, mine, cid.Cid.Equals) {
				t.Fatalf("batch %d: a group holds %v here, want %v", batch, g, mine)
			}
		}
		t.Logf("batch %d: %d groups in %d calls", batch, len(got), calls)
	}
}
