package standing

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/golden"
	"github.com/scatterbytes/scatterbytes/internal/wire"
	"github.com/scatterbytes/scatterbytes/p2p/proof"
)

// TestProtoMatchesSchemas keeps standing.proto and the Go tables in step.
func TestProtoMatchesSchemas(t *testing.T) {
	src, err := os.ReadFile("standing.proto")
	if err != nil {
		t.Fatal(err)
	}
	if err := wire.MatchProto(src, &requestSchema, &entrySchema, &responseSchema); err != nil {
		t.Fatal(err)
	}
}

// testPeer returns a deterministic Ed25519 peer ID.
func testPeer(t testing.TB, i int) peer.ID {
	t.Helper()
	seed := bytes.Repeat([]byte{byte(i), byte(i >> 8)}, 16)
	k, _, err := crypto.GenerateEd25519Key(bytes.NewReader(seed))
	if err != nil {
		t.Fatal(err)
	}
	p, err := peer.IDFromPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRoundTrip(t *testing.T) {
	req := Request{Op: OpStatement, Peer: testPeer(t, 1)}
	var r2 Request
	if err := r2.unmarshal(req.marshal()); err != nil || r2 != req {
		t.Fatalf("request: %+v %v", r2, err)
	}
	resp := Response{Epoch: 7, Entries: []Entry{{testPeer(t, 2), Disqualified, 950000}, {testPeer(t, 3), Vetting, 1e6}},
		Truncated: true, Node: []byte(`{"peer":"x"}`), Statement: []byte(`{}`), CreditsOmitted: 3, Beacon: []byte("signed beacon")}
	var p2 Response
	if err := p2.unmarshal(resp.marshal()); err != nil || !reflect.DeepEqual(p2, resp) {
		t.Fatalf("response: %+v %v", p2, err)
	}
	// BEACON names no peer, and its answer carries a beacon of up to
	// MaxBeacon bytes.
	beacon := Request{Op: OpBeacon}
	if err := r2.unmarshal(beacon.marshal()); err != nil || r2 != beacon {
		t.Fatalf("BEACON request: %+v %v", r2, err)
	}
	full := Response{Epoch: 9, Beacon: bytes.Repeat([]byte{0xb}, MaxBeacon)}
	if err := p2.unmarshal(full.marshal()); err != nil || !reflect.DeepEqual(p2, full) {
		t.Fatalf("BEACON response of MaxBeacon bytes: %d bytes, %v", len(p2.Beacon), err)
	}
}

// TestMaxBeacon: the BEACON answer holds the largest beacon package proof
// makes.
func TestMaxBeacon(t *testing.T) {
	if MaxBeacon != proof.MaxBeaconSize {
		t.Fatalf("MaxBeacon %d, proof.MaxBeaconSize %d", MaxBeacon, proof.MaxBeaconSize)
	}
}

func TestRefused(t *testing.T) {
	long := make([]byte, MaxNode+1)
	longBeacon := make([]byte, MaxBeacon+1)
	for _, tc := range []struct {
		name string
		b    []byte
		resp bool
	}{
		{"op 0", wire.AppendUint(nil, 1, 0), false},
		{"op 5", wire.AppendUint(nil, 1, 5), false},
		{"statement without peer", wire.AppendUint(nil, 1, 3), false},
		{"no op", wire.AppendBytes(nil, 2, []byte(testPeer(t, 1))), false},
		{"node without peer", wire.AppendUint(nil, 1, 2), false},
		{"peer not a peer ID", wire.AppendBytes(wire.AppendUint(nil, 1, 2), 2, []byte("xx")), false},
		{"op twice", wire.AppendUint(wire.AppendUint(nil, 1, 1), 1, 1), false},
		{"state 4", wire.AppendBytes(nil, 3, wire.AppendUint(wire.AppendBytes(nil, 1, []byte(testPeer(t, 1))), 2, 4)), true},
		{"audit over a million", wire.AppendBytes(nil, 3, wire.AppendUint(wire.AppendBytes(nil, 1, []byte(testPeer(t, 1))), 3, 1e6+1)), true},
		{"entry without peer", wire.AppendBytes(nil, 3, wire.AppendUint(nil, 2, 1)), true},
		{"node over its cap", wire.AppendBytes(nil, 5, long), true},
		{"beacon over its cap", wire.AppendBytes(nil, 8, longBeacon), true},
		{"beacon twice", wire.AppendBytes(wire.AppendBytes(nil, 8, []byte("a")), 8, []byte("b")), true},
		{"oversized", make([]byte, MaxResponse+1), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.resp {
				var r Response
				err = r.unmarshal(tc.b)
			} else {
				var r Request
				err = r.unmarshal(tc.b)
			}
			if !errors.Is(err, ErrBadMessage) {
				t.Fatalf("err = %v, want ErrBadMessage", err)
			}
		})
	}
}

// TestFit measures a STANDINGS answer and checks that Fit keeps it
// within MaxResponse.
func TestFit(t *testing.T) {
	peers := make([]peer.ID, 64)
	for i := range peers {
		peers[i] = testPeer(t, i)
	}
	for _, n := range []int{100, 1000, 10000, 30000} {
		es := make([]Entry, n)
		for i := range es {
			es[i] = Entry{Peer: peers[i%len(peers)], State: Suspended, AuditPPM: 987654}
		}
		kept, truncated := Fit(es)
		b := (&Response{Epoch: 1 << 40, Entries: kept, Truncated: truncated}).marshal()
		t.Logf("STANDINGS for %d nodes: %d kept, %d bytes, truncated %v", n, len(kept), len(b), truncated)
		if len(b) > MaxResponse {
			t.Fatalf("%d bytes over the limit", len(b))
		}
		if truncated != (len(kept) < n) {
			t.Fatalf("truncated %v with %d of %d", truncated, len(kept), n)
		}
		var r Response
		if err := r.unmarshal(b); err != nil || len(r.Entries) != len(kept) {
			t.Fatalf("decode: %d entries, %v", len(r.Entries), err)
		}
	}
}

func TestGolden(t *testing.T) {
	p := testPeer(t, 1)
	for name, b := range map[string][]byte{
		"request-standings.golden": (&Request{Op: OpStandings}).marshal(),
		"request-statement.golden": (&Request{Op: OpStatement, Peer: p}).marshal(),
		"request-beacon.golden":    (&Request{Op: OpBeacon}).marshal(),
		"response-standings.golden": (&Response{Epoch: 42, Entries: []Entry{{p, Disqualified, 951234}, {testPeer(t, 2), Vetting, 1e6}},
			Truncated: true}).marshal(),
		"response-node.golden":    (&Response{Epoch: 42, Node: []byte(`{"peer":"x","state":"vetted"}`)}).marshal(),
		"response-refused.golden": (&Response{Epoch: 42, Error: "only the node itself may ask for its statement"}).marshal(),
		"response-beacon.golden":  (&Response{Epoch: 42, Beacon: []byte("the signed beacon of epoch 42")}).marshal(),
	} {
		t.Run(name, func(t *testing.T) { golden.Check(t, name, b) })
	}
}

func FuzzUnmarshal(f *testing.F) {
	p := testPeer(f, 1)
	f.Add((&Request{Op: OpNode, Peer: p}).marshal())
	f.Add((&Response{Epoch: 3, Entries: []Entry{{p, Suspended, 5}}, Truncated: true, Node: []byte("{}"), Statement: []byte("[]"), CreditsOmitted: 2}).marshal())
	f.Add([]byte{0x08, 0x01})
	f.Add((&Request{Op: OpBeacon}).marshal())
	f.Add((&Response{Epoch: 4, Beacon: []byte("beacon")}).marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		var req Request
		if err := req.unmarshal(b); err == nil {
			var again Request
			if err := again.unmarshal(req.marshal()); err != nil || again != req {
				t.Fatalf("request re-decode: %+v %v", again, err)
			}
		}
		var resp Response
		if err := resp.unmarshal(b); err == nil {
			var again Response
			if err := again.unmarshal(resp.marshal()); err != nil || fmt.Sprint(again) != fmt.Sprint(resp) {
				t.Fatalf("response re-decode: %v", err)
			}
		}
	})
}
