package enroll

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/scatterbytes/scatterbytes/internal/wire"
)

// TestProtoMatchesSchemas keeps enroll.proto and the Go tables in step.
func TestProtoMatchesSchemas(t *testing.T) {
	src, err := os.ReadFile("enroll.proto")
	if err != nil {
		t.Fatal(err)
	}
	if err := wire.MatchProto(src, &requestSchema, &responseSchema); err != nil {
		t.Fatal(err)
	}
}

// TestStricterDecoding pins what the shared policy refuses that the
// decoder before it accepted (it kept the last of a field given twice and
// skipped known fields of another wire type, and groups).
func TestStricterDecoding(t *testing.T) {
	resp := (&Response{Cert: []byte{1}, CRL: []byte{2}}).marshal()
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"cert twice", wire.AppendBytes(resp, 1, []byte{3})},
		{"error twice", wire.AppendString(wire.AppendString(nil, 3, "a"), 3, "b")},
		{"cert as varint", wire.AppendUint(nil, 1, 5)},
		{"group", append(protowire.AppendTag(resp, 9, protowire.StartGroupType), protowire.AppendTag(nil, 9, protowire.EndGroupType)...)},
		{"certificate over 16 KiB", wire.AppendBytes(nil, 1, make([]byte, maxCert+1))},
		{"error not UTF-8", wire.AppendBytes(nil, 3, []byte{0xff})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r Response
			if err := r.unmarshal(tc.b); !errors.Is(err, ErrBadMessage) || !errors.Is(err, wire.ErrMalformed) {
				t.Fatalf("err = %v, want ErrBadMessage", err)
			}
		})
	}
	var r Request
	if err := r.unmarshal(wire.AppendBytes(wire.AppendBytes(nil, 1, nil), 1, []byte("csr"))); !errors.Is(err, ErrBadMessage) {
		t.Fatalf("csr twice: %v", err)
	}
}

func TestMessagesRoundTrip(t *testing.T) {
	req := Request{CSR: []byte("-----BEGIN CERTIFICATE REQUEST-----"), HaveCRL: 7}
	var r2 Request
	if err := r2.unmarshal(req.marshal()); err != nil || !bytes.Equal(r2.CSR, req.CSR) || r2.HaveCRL != 7 {
		t.Fatalf("request round trip: %+v %v", r2, err)
	}
	resp := Response{Cert: []byte{1, 2}, CRL: []byte{3}, Error: "refused"}
	var p2 Response
	if err := p2.unmarshal(resp.marshal()); err != nil || !bytes.Equal(p2.Cert, resp.Cert) || !bytes.Equal(p2.CRL, resp.CRL) || p2.Error != resp.Error {
		t.Fatalf("response round trip: %+v %v", p2, err)
	}
	if err := p2.unmarshal(make([]byte, MaxResponse+1)); !errors.Is(err, ErrBadMessage) {
		t.Fatalf("oversized: %v", err)
	}
	if err := p2.unmarshal([]byte{0x0a, 0x05, 0x01}); !errors.Is(err, ErrBadMessage) {
		t.Fatalf("truncated: %v", err)
	}
}

func FuzzUnmarshal(f *testing.F) {
	f.Add((&Request{CSR: []byte("csr")}).marshal())
	f.Add((&Response{Cert: []byte("c"), CRL: []byte("l"), Error: "e"}).marshal())
	f.Add([]byte{0x08, 0x96, 0x01, 0x1a, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		var req Request
		if err := req.unmarshal(b); err == nil {
			var again Request
			if err := again.unmarshal(req.marshal()); err != nil || !bytes.Equal(again.CSR, req.CSR) {
				t.Fatalf("request re-decode: %v", err)
			}
		}
		var resp Response
		if err := resp.unmarshal(b); err == nil {
			var again Response
			if err := again.unmarshal(resp.marshal()); err != nil || again.Error != resp.Error ||
				!bytes.Equal(again.Cert, resp.Cert) || !bytes.Equal(again.CRL, resp.CRL) {
				t.Fatalf("response re-decode: %v", err)
			}
		}
	})
}
