package wire

import (
	"bytes"
	"errors"
	"testing"
	"unicode/utf8"
)

// FuzzDecode feeds the walker. Whatever it accepts obeys every cap of the
// schema, and the canonical re-encoding of what it read decodes to the
// same values; whatever it refuses is ErrMalformed.
func FuzzDecode(f *testing.F) {
	f.Add(good())
	f.Add(cat(good(), AppendUint(nil, 20, 1), AppendBytes(nil, 21, []byte("x"))))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeTest(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error not ErrMalformed: %v", err)
			}
			return
		}
		if len(b) > testSchema.Max || m.ID > 1000 || len(m.Name) > 16 || !utf8.ValidString(m.Name) || len(m.Tags) > 3 {
			t.Fatalf("accepted a message over a cap: %+v", m)
		}
		enc := encodeTest(m)
		again, err := decodeTest(enc)
		if err != nil {
			t.Fatalf("re-encoding does not decode: %v", err)
		}
		if !bytes.Equal(encodeTest(again), enc) {
			t.Fatal("encoding is not a fixed point")
		}
	})
}
