package stream

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
)

// pieces hands out sealed cut at the given offsets and records releases:
// a piece must be released before the next is asked for, and its bytes
// are overwritten on release so a reader that kept using them would fail.
type pieces struct {
	t        *testing.T
	parts    [][]byte
	i        int
	held     bool
	released int
	err      error // returned instead of io.EOF after the parts
}

func cut(sealed []byte, sizes ...int) *pieces {
	p := &pieces{}
	for i := 0; len(sealed) > 0; i++ {
		n := min(len(sealed), sizes[i%len(sizes)])
		p.parts = append(p.parts, bytes.Clone(sealed[:n]))
		sealed = sealed[n:]
	}
	return p
}

func (p *pieces) next() ([]byte, error) {
	if p.held {
		p.t.Fatal("next called while the last piece is still held")
	}
	if p.i == len(p.parts) {
		if p.err != nil {
			return nil, p.err
		}
		return nil, io.EOF
	}
	p.held = true
	p.i++
	return p.parts[p.i-1], nil
}

func (p *pieces) release() {
	if !p.held {
		p.t.Fatal("release without a piece held")
	}
	p.held = false
	clear(p.parts[p.i-1])
	p.released++
}

func readPieces(t *testing.T, p *pieces, size int64, readSize int) ([]byte, error) {
	t.Helper()
	p.t = t
	r, err := NewPiecesReader(testKey(t, 7), size, p.next, p.release)
	if err != nil {
		return nil, err
	}
	return readAll(r, readSize)
}

func TestPiecesRoundTrip(t *testing.T) {
	key := testKey(t, 7)
	for _, n := range []int{0, 1, S - 1, S, S + 1, 3*S + 17, 10 * S} {
		plain := plaintext(n)
		sealed := seal(t, key, plain, 0)
		for _, sizes := range [][]int{{len(sealed)}, {1}, {SealedSegmentSize}, {SealedSegmentSize - 1}, {SealedSegmentSize + 1}, {100000, 0, 3, 200000}} {
			for _, readSize := range []int{0, 1, S - 1, S, 4*S + 5} {
				if len(sizes) == 1 && sizes[0] == 1 && n > 3*S {
					continue // byte pieces of big streams: slow, nothing new
				}
				t.Run(fmt.Sprintf("%d bytes, pieces %v, reads %d", n, sizes, readSize), func(t *testing.T) {
					p := cut(sealed, sizes...)
					got, err := readPieces(t, p, int64(len(sealed)), readSize)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(got, plain) {
						t.Fatalf("got %d bytes that differ from the %d sealed", len(got), n)
					}
					if p.released != len(p.parts) || p.held {
						t.Fatalf("released %d of %d pieces (one still held: %v)", p.released, len(p.parts), p.held)
					}
				})
			}
		}
	}
}

// Only the segments a piece's end cuts are copied; the others are opened
// where they lie.
func TestPiecesCopyOnlyCutSegments(t *testing.T) {
	key := testKey(t, 7)
	sealed := seal(t, key, plaintext(10*S+5), 0)
	for _, piece := range []int{3*SealedSegmentSize + 10, SealedSegmentSize, 100000, len(sealed)} {
		p := cut(sealed, piece)
		p.t = t
		r, err := NewPiecesReader(key, int64(len(sealed)), p.next, p.release)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			t.Fatal(err)
		}
		want := 0
		for start := 0; start < len(sealed); start += SealedSegmentSize {
			end := min(start+SealedSegmentSize, len(sealed))
			if start/piece != (end-1)/piece {
				want++ // a cut falls inside this segment
			}
		}
		if r.splits != want {
			t.Fatalf("pieces of %d bytes: %d segments copied, want the %d cut by a piece's end", piece, r.splits, want)
		}
	}
}

func TestPiecesAttacks(t *testing.T) {
	key := testKey(t, 7)
	plain := plaintext(3*S + 100)
	sealed := seal(t, key, plain, 0)
	size := int64(len(sealed))
	flipped := bytes.Clone(sealed)
	flipped[SealedSegmentSize+5] ^= 1
	swapped := append(append(append([]byte{}, sealed[SealedSegmentSize:2*SealedSegmentSize]...), sealed[:SealedSegmentSize]...), sealed[2*SealedSegmentSize:]...)
	for _, tc := range []struct {
		name   string
		sealed []byte
		size   int64
		want   error
		// plaintext that may come out before the error: the segments
		// before the damage
		before int
	}{
		{"a bit flipped in segment 1", flipped, size, ErrTampered, S},
		{"segments 0 and 1 swapped", swapped, size, ErrTampered, 0},
		{"last segment missing", sealed[:3*SealedSegmentSize], size, ErrTruncated, 3 * S},
		{"cut inside the last segment", sealed[:len(sealed)-1], size, ErrTruncated, 3 * S},
		{"cut at a segment edge, size told to match", sealed[:3*SealedSegmentSize], 3 * SealedSegmentSize, ErrTampered, 2 * S},
		{"bytes after the end", append(bytes.Clone(sealed), 0), size, ErrTampered, len(plain)},
		{"size told one short", sealed, size - 1, ErrTampered, 3 * S},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, sizes := range [][]int{{len(tc.sealed)}, {SealedSegmentSize - 3}} {
				got, err := readPieces(t, cut(tc.sealed, sizes...), tc.size, S)
				if err == nil {
					t.Fatalf("pieces %v: read whole", sizes)
				}
				if got2, err2 := readPieces(t, cut(tc.sealed, sizes...), tc.size, 0); !errors.Is(err2, tc.want) || !bytes.Equal(got2, got) {
					t.Fatalf("pieces %v: io.Copy gave %d bytes and %v, Read %d bytes and %v", sizes, len(got2), err2, len(got), err)
				}
				if !errors.Is(err, tc.want) {
					t.Fatalf("pieces %v: err = %v, want %v", sizes, err, tc.want)
				}
				if len(got) > tc.before || !bytes.Equal(got, plain[:len(got)]) {
					t.Fatalf("pieces %v: %d bytes came out before the error, at most %d of the plaintext allowed", sizes, len(got), tc.before)
				}
			}
		})
	}
	t.Run("wrong key", func(t *testing.T) {
		p := cut(sealed, len(sealed))
		p.t = t
		r, err := NewPiecesReader(testKey(t, 8), size, p.next, p.release)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := r.Read(make([]byte, S)); n != 0 || !errors.Is(err, ErrTampered) {
			t.Fatalf("Read = %d, %v; want 0, ErrTampered", n, err)
		}
	})
	t.Run("impossible size", func(t *testing.T) {
		if _, err := NewPiecesReader(key, Overhead-1, nil, nil); !errors.Is(err, ErrRange) {
			t.Fatalf("err = %v, want ErrRange", err)
		}
	})
	t.Run("error from next", func(t *testing.T) {
		boom := errors.New("stripe 2 unavailable")
		p := cut(sealed[:2*SealedSegmentSize], SealedSegmentSize)
		p.err = boom
		if _, err := readPieces(t, p, size, S); !errors.Is(err, boom) {
			t.Fatalf("err = %v, want %v", err, boom)
		}
	})
}
