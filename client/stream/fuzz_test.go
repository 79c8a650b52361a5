package stream

import (
	"bytes"
	"testing"
)

func FuzzReader(f *testing.F) {
	key := testKey(f, 8)
	for _, n := range []int{0, 3, S, S + 1} {
		f.Add(seal(f, key, counting(n), 0))
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, sealed []byte) {
		got, err := open(key, sealed, 4096)
		if err != nil {
			if len(got)%S != 0 {
				t.Fatalf("%d bytes out before an error: not whole segments", len(got))
			}
			return
		}
		// Only a genuine sealing of the output may be accepted.
		if again := seal(t, key, got, 0); !bytes.Equal(again, sealed) {
			t.Fatal("accepted a stream that is not the sealing of its output")
		}
	})
}

func FuzzOpenSegment(f *testing.F) {
	key := testKey(f, 9)
	c := NewCipher(key)
	f.Add(c.Seal(nil, counting(10), 0, true), int64(0), true)
	f.Add(c.Seal(nil, counting(S), 3, false), int64(3), false)
	f.Fuzz(func(t *testing.T, sealed []byte, index int64, last bool) {
		plain, err := c.Open(nil, sealed, index, last)
		if err != nil {
			if len(plain) != 0 {
				t.Fatal("plaintext on error")
			}
			return
		}
		if !bytes.Equal(c.Seal(nil, plain, index, last), sealed) {
			t.Fatal("opened something that is not a sealing")
		}
	})
}

// FuzzPiecesReader feeds arbitrary bytes, cut at an arbitrary piece size,
// with the size told right or off by delta: only the genuine sealing of
// the output, told its true size, may be accepted, and the output before
// an error is whole segments.
func FuzzPiecesReader(f *testing.F) {
	key := testKey(f, 7)
	for _, n := range []int{0, 3, S, S + 1} {
		f.Add(seal(f, key, counting(n), 0), uint16(1000), int8(0))
	}
	f.Add([]byte{}, uint16(0), int8(0))
	f.Fuzz(func(t *testing.T, sealed []byte, piece uint16, delta int8) {
		p := cut(sealed, int(piece)+1)
		got, err := readPieces(t, p, int64(len(sealed))+int64(delta), 4096)
		if err != nil {
			if len(got)%S != 0 {
				t.Fatalf("%d bytes out before an error: not whole segments", len(got))
			}
			return
		}
		if delta != 0 {
			t.Fatalf("accepted %d sealed bytes told as %d", len(sealed), len(sealed)+int(delta))
		}
		if again := seal(t, key, got, 0); !bytes.Equal(again, sealed) {
			t.Fatal("accepted a stream that is not the sealing of its output")
		}
	})
}
