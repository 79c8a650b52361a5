package chunk

import (
	"bytes"
	"errors"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/scatterbytes/scatterbytes/internal/wire"
	"github.com/scatterbytes/scatterbytes/store"
)

func TestResponseFreeDecoding(t *testing.T) {
	status := func() []byte { return wire.AppendUint(nil, respStatus, uint64(codeOK)) }
	for _, tc := range []struct {
		name     string
		msg      []byte
		free     int64 // what free() says
		capacity int64
		wantErr  bool
	}{
		{name: "absent: not stated", msg: status(), free: -1},
		{name: "zero free", msg: wire.AppendUint(status(), respFree, 1), free: 0},
		{name: "free and capacity", msg: wire.AppendUint(wire.AppendUint(status(), respFree, 1001), respCap, 5000),
			free: 1000, capacity: 5000},
		{name: "largest", msg: wire.AppendUint(status(), respFree, maxInt), free: maxInt - 1},
		{name: "free out of range", msg: wire.AppendUint(status(), respFree, maxInt+1), wantErr: true},
		{name: "capacity out of range", msg: wire.AppendUint(status(), respCap, 1<<63), wantErr: true},
		{name: "free as bytes", msg: wire.AppendBytes(status(), respFree, []byte{1}), wantErr: true},
		{name: "capacity as fixed64", msg: protowire.AppendFixed64(
			protowire.AppendTag(status(), respCap, protowire.Fixed64Type), 7), wantErr: true},
		{name: "unknown field after", msg: wire.AppendUint(wire.AppendUint(status(), respFree, 11), 99, 1), free: 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := unmarshalResponse(tc.msg)
			if tc.wantErr {
				if !errors.Is(err, ErrBadMessage) {
					t.Fatalf("decode = %+v, %v; want ErrBadMessage", r, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.free() != tc.free || r.Capacity != tc.capacity {
				t.Fatalf("free %d, capacity %d; want %d, %d", r.free(), r.Capacity, tc.free, tc.capacity)
			}
		})
	}
}

func TestStateFree(t *testing.T) {
	for _, tc := range []struct {
		name string
		u    store.Usage
		want int64 // free(); -1: not stated
	}{
		{"no limit states nothing", store.Usage{Bytes: 10}, -1},
		{"empty", store.Usage{Capacity: 100}, 100},
		{"full", store.Usage{Bytes: 100, Capacity: 100}, 0},
		{"over", store.Usage{Bytes: 120, Capacity: 100}, 0},
		{"huge is clamped", store.Usage{Capacity: 1<<63 - 1}, maxInt - 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r response
			r.Status = codeOK
			r.stateFree(tc.u)
			got, err := unmarshalResponse(r.marshal())
			if err != nil {
				t.Fatal(err)
			}
			if got.free() != tc.want {
				t.Fatalf("free() = %d, want %d", got.free(), tc.want)
			}
		})
	}
}

func TestSpaceRequestDecoding(t *testing.T) {
	r, err := unmarshalRequest((&request{Op: opSpace}).marshal())
	if err != nil || r.Op != opSpace {
		t.Fatalf("SPACE request decodes to %+v, %v", r, err)
	}
	if _, err := unmarshalRequest(wire.AppendUint(nil, reqOp, uint64(opPlacement+1))); !errors.Is(err, ErrBadMessage) {
		t.Fatalf("op %d: %v, want ErrBadMessage", opPlacement+1, err)
	}
}

func TestSpace(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	h, k := e.party(1)
	srv := e.server().ID
	const capacity = 1 << 20
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			ctx := testCtx(t)
			st := kind.open(t, capacity)
			svc := e.serve(t, st, nil)
			free := func() int64 {
				t.Helper()
				u, err := st.Usage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return u.Free()
			}
			sp, err := c.Space(ctx, h, srv)
			if err != nil {
				t.Fatal(err)
			}
			if sp != (Space{Free: capacity, Capacity: capacity}) {
				t.Fatalf("empty store: %+v", sp)
			}

			data := randomChunk(t, 64<<10)
			o := signedOrder(t, k, data)
			res, err := c.Upload(ctx, h, srv, o, bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if res.Free != free() || res.Free > capacity-int64(len(data)) {
				t.Fatalf("receipt states %d free, store has %d", res.Free, free())
			}
			if sp, err = c.Space(ctx, h, srv); err != nil || sp.Free != res.Free {
				t.Fatalf("SPACE after a PUT: %+v, %v; want %d free", sp, err, res.Free)
			}
			again, err := c.Upload(ctx, h, srv, signedOrder(t, k, data), untouched{t})
			if err != nil || !again.AlreadyStored || again.Free != res.Free {
				t.Fatalf("HAVE: %+v, %v; want %d free", again, err, res.Free)
			}

			big := randomChunk(t, capacity)
			_, err = c.Upload(ctx, h, srv, signedOrder(t, k, big), untouched{t})
			var re *RemoteError
			if !errors.Is(err, store.ErrNoSpace) || !errors.As(err, &re) {
				t.Fatalf("PUT over capacity: %v", err)
			}
			if re.Free != free() {
				t.Fatalf("refusal states %d free, store has %d", re.Free, free())
			}
			if sp.Fits(int64(len(big))) || !sp.Fits(sp.Free) {
				t.Fatalf("Fits disagrees with %+v", sp)
			}

			if got, want := svc.Counts(), (Counts{Put: 3, Space: 2}); got != want {
				t.Fatalf("counts %+v, want %+v", got, want)
			}
		})
	}
	t.Run("no limit", func(t *testing.T) {
		ctx := testCtx(t)
		e.serve(t, kindMem(t, 0), nil)
		sp, err := c.Space(ctx, h, srv)
		if err != nil || sp != (Space{Free: -1}) || !sp.Fits(1<<40) {
			t.Fatalf("SPACE of a store without limit: %+v, %v", sp, err)
		}
		data := randomChunk(t, 1000)
		res, err := c.Upload(ctx, h, srv, signedOrder(t, k, data), bytes.NewReader(data))
		if err != nil || res.Free != -1 {
			t.Fatalf("PUT to a store without limit: %+v, %v; want no free stated", res, err)
		}
	})
}

func TestErrorFreeNotStated(t *testing.T) {
	if e := codeToError(codeNotFound, ""); e.Free != -1 {
		t.Fatalf("a refusal that says nothing has Free %d", e.Free)
	}
}

// kindMem opens a memstore of the given capacity (0: no limit).
func kindMem(t *testing.T, capacity int64) store.Store { return storeKinds[0].open(t, capacity) }
