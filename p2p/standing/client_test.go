package standing

import (
	"bytes"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
)

// TestBeaconOverTheWire: Beacon between two verified members of an
// in-process network (bare nodes: peer 0 serves answers the test makes),
// through the real stream, framing and decoder.
func TestBeaconOverTheWire(t *testing.T) {
	net := nettest.New(t, 1)
	coord, member := net.Coordinator().Node(), net.Nodes()[0].Node()
	signed := bytes.Repeat([]byte("beacon "), 200) // opaque to this package
	for _, tc := range []struct {
		name    string
		resp    Response
		want    []byte
		wantErr error
	}{
		{"answered", Response{Epoch: 7, Beacon: signed}, signed, nil},
		{"largest", Response{Epoch: 7, Beacon: bytes.Repeat([]byte{1}, MaxBeacon)}, bytes.Repeat([]byte{1}, MaxBeacon), nil},
		{"refused before the first beacon", Response{Error: "no beacon yet"}, nil, ErrRefused},
		{"over MaxBeacon", Response{Epoch: 7, Beacon: make([]byte, MaxBeacon+1)}, nil, ErrBadMessage},
		{"no beacon in the answer", Response{Epoch: 7}, nil, ErrBadMessage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pid := protocol.ID("/scatterbytes/standing-test/" + tc.name)
			var asked atomic.Uint64 // written on the handler's goroutine
			Serve(coord.Host(), pid, func(_ peer.ID, req *Request) *Response {
				asked.Store(uint64(req.Op))
				return &tc.resp
			})
			t.Cleanup(func() { coord.Host().RemoveStreamHandler(pid) })
			got, err := Beacon(t.Context(), member.Host(), coord.ID(), pid)
			if op := Op(asked.Load()); op != OpBeacon {
				t.Errorf("the coordinator was asked %v, want BEACON", op)
			}
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || got != nil {
					t.Fatalf("Beacon = %d bytes, %v; want %v", len(got), err, tc.wantErr)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Fatalf("Beacon = %d bytes, %v; want the %d bytes served", len(got), err, len(tc.want))
			}
		})
	}
}
