package enroll

import (
	"bytes"
	"errors"
	"testing"
)

func TestMessagesRoundTrip(t *testing.T) {
	req := Request{CSR: []byte("-----BEGIN CERTIFICATE REQUEST-----")}
	var r2 Request
	if err := r2.unmarshal(req.marshal()); err != nil || !bytes.Equal(r2.CSR, req.CSR) {
		t.Fatalf("request round trip: %+v %v", r2, err)
	}
	resp := Response{Cert: []byte{1, 2}, CRL: []byte{3}, Error: "refused"}
	var p2 Response
	if err := p2.unmarshal(resp.marshal()); err != nil || !bytes.Equal(p2.Cert, resp.Cert) || !bytes.Equal(p2.CRL, resp.CRL) || p2.Error != resp.Error {
		t.Fatalf("response round trip: %+v %v", p2, err)
	}
	if err := p2.unmarshal(make([]byte, MaxMessage+1)); !errors.Is(err, ErrBadMessage) {
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
