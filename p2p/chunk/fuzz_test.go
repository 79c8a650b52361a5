package chunk

import (
	"bytes"
	"testing"
)

// Every decoder on the chunk protocol is fuzzed. A decoded message must
// re-encode to something that decodes to the same message: the canonical
// encoding is a fixed point.

func addSeeds(f *testing.F, names ...string) {
	msgs := goldenMessages(f)
	for _, n := range names {
		f.Add(msgs[n])
	}
	f.Add([]byte{})
	f.Add([]byte{0x08})
}

func FuzzOrder(f *testing.F) {
	addSeeds(f, "order")
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := UnmarshalOrder(b)
		if err != nil {
			return
		}
		_ = VerifyOrder(&o)
		enc := o.Marshal()
		again, err := UnmarshalOrder(enc)
		if err != nil {
			t.Fatalf("re-encoded order does not decode: %v", err)
		}
		if !bytes.Equal(again.Marshal(), enc) || again.Hash() != o.Hash() {
			t.Fatal("order encoding is not a fixed point")
		}
	})
}

func FuzzReceipt(f *testing.F) {
	addSeeds(f, "receipt")
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := UnmarshalReceipt(b)
		if err != nil {
			return
		}
		_ = VerifyReceipt(&r)
		enc := r.Marshal()
		again, err := UnmarshalReceipt(enc)
		if err != nil {
			t.Fatalf("re-encoded receipt does not decode: %v", err)
		}
		if !bytes.Equal(again.Marshal(), enc) {
			t.Fatal("receipt encoding is not a fixed point")
		}
	})
}

func FuzzRequest(f *testing.F) {
	addSeeds(f, "request-put", "request-get", "request-get-all", "request-has", "request-delete",
		"request-space", "request-place", "request-placement")
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := unmarshalRequest(b)
		if err != nil {
			return
		}
		enc := r.marshal()
		again, err := unmarshalRequest(enc)
		if err != nil {
			t.Fatalf("re-encoded request does not decode: %v", err)
		}
		if !bytes.Equal(again.marshal(), enc) {
			t.Fatal("request encoding is not a fixed point")
		}
	})
}

func FuzzResponse(f *testing.F) {
	addSeeds(f, "response-receipt", "response-have", "response-get", "response-refusal",
		"response-space", "response-receipt-free", "response-no-space", "response-placement")
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := unmarshalResponse(b)
		if err != nil {
			return
		}
		enc := r.marshal()
		again, err := unmarshalResponse(enc)
		if err != nil {
			t.Fatalf("re-encoded response does not decode: %v", err)
		}
		if !bytes.Equal(again.marshal(), enc) {
			t.Fatal("response encoding is not a fixed point")
		}
	})
}

// FuzzReadMsg feeds the framing layer: it must never read past the limit
// or panic, whatever the length prefix says.
func FuzzReadMsg(f *testing.F) {
	for _, m := range goldenMessages(f) {
		var buf bytes.Buffer
		writeMsg(&buf, m)
		f.Add(buf.Bytes())
	}
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := readMsg(bytes.NewReader(b))
		if err == nil && len(m) > MaxMessage {
			t.Fatalf("read a %d-byte header", len(m))
		}
		if err == nil {
			_, _ = unmarshalRequest(m)
			_, _ = unmarshalResponse(m)
		}
	})
}
