package stream

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"testing/iotest"
)

// TestSealerMatchesWriter fills buffers of many sizes, including ones that
// split a segment anywhere, from sources that return short reads, and
// checks the result is the Writer's stream byte for byte.
func TestSealerMatchesWriter(t *testing.T) {
	key := testKey(t, 7)
	for _, size := range []int{0, 1, S - 1, S, S + 1, 3*S + 5, 40*S + 7} {
		plain := plaintext(size)
		want := seal(t, key, plain, 0)
		for _, piece := range []int{1, 7, SealedSegmentSize - 1, SealedSegmentSize, SealedSegmentSize + 1, 1 << 20, len(want)} {
			if piece == 0 || (piece < 64 && size > 4*S) {
				continue // byte-sized pieces of a big stream take too long
			}
			t.Run(fmt.Sprintf("%d/%d", size, piece), func(t *testing.T) {
				s := NewSealer(iotest.HalfReader(bytes.NewReader(plain)), key, int64(size))
				var got []byte
				for s.Remaining() > 0 {
					buf := make([]byte, min(int64(piece), s.Remaining()))
					if err := s.Fill(buf); err != nil {
						t.Fatalf("Fill after %d bytes: %v", len(got), err)
					}
					got = append(got, buf...)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("sealed %d bytes differ from the Writer's %d", len(got), len(want))
				}
				if err := s.Fill(make([]byte, 1)); !errors.Is(err, ErrRange) {
					t.Fatalf("Fill past the end = %v, want ErrRange", err)
				}
			})
		}
	}
}

func TestSealerShortSource(t *testing.T) {
	key := testKey(t, 7)
	plain := plaintext(3*S + 5)
	s := NewSealer(bytes.NewReader(plain[:2*S]), key, int64(len(plain)))
	if err := s.Fill(make([]byte, s.Remaining())); !errors.Is(err, ErrShortSource) {
		t.Fatalf("Fill of a short source = %v, want ErrShortSource", err)
	}
}

// TestSealerReadsOnlySize checks a longer source is read no further than
// the declared size.
func TestSealerReadsOnlySize(t *testing.T) {
	key := testKey(t, 7)
	plain := plaintext(2*S + 3)
	r := bytes.NewReader(append(plain, "more"...))
	s := NewSealer(r, key, int64(len(plain)))
	got := make([]byte, s.Remaining())
	if err := s.Fill(got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, seal(t, key, plain, 0)) {
		t.Fatal("sealed bytes differ from the Writer's")
	}
	if r.Len() != 4 {
		t.Fatalf("source has %d bytes left, want the 4 past size", r.Len())
	}
}
