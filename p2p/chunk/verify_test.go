package chunk

import (
	"bytes"
	"errors"
	"testing"

	"github.com/scatterbytes/scatterbytes/store"
)

// TestVerifyingWriter sends a chunk through the GET path's writer in
// pieces: intact bytes all pass; a chunk with any byte changed (the last
// one included) stops one byte short with ErrCorrupt.
func TestVerifyingWriter(t *testing.T) {
	data := randomChunk(t, 10000)
	id := store.Sum(data)
	for _, tc := range []struct {
		name string
		flip int // index of the byte to change, -1: none
	}{
		{"intact", -1},
		{"first byte", 0},
		{"middle", 5000},
		{"last byte", len(data) - 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := bytes.Clone(data)
			if tc.flip >= 0 {
				src[tc.flip] ^= 1
			}
			var out bytes.Buffer
			w := newVerifyingWriter(&out, id, int64(len(src)))
			var err error
			for off := 0; off < len(src) && err == nil; off += 3000 {
				_, err = w.Write(src[off:min(off+3000, len(src))])
			}
			switch {
			case tc.flip < 0 && (err != nil || !bytes.Equal(out.Bytes(), data)):
				t.Fatalf("intact chunk: %v, %d bytes out", err, out.Len())
			case tc.flip >= 0 && (!errors.Is(err, store.ErrCorrupt) || out.Len() != len(src)-1):
				t.Fatalf("corrupt chunk: %v, %d of %d bytes out; want ErrCorrupt one byte short", err, out.Len(), len(src))
			}
		})
	}
}
