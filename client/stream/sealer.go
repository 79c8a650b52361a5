package stream

import (
	"errors"
	"fmt"
	"io"

	"github.com/scatterbytes/scatterbytes/client/keys"
)

// ErrShortSource means a Sealer's source ended before the size it was
// given.
var ErrShortSource = errors.New("stream: source shorter than its declared size")

// sealerRead is how much plaintext a Sealer reads at once: sixteen
// segments, so a large file costs one read call per MiB, not per segment.
const sealerRead = 16 * SegmentSize

// Sealer produces the sealed stream of exactly size bytes of a source,
// straight into the caller's buffers: a segment is sealed from the read
// buffer to its place in dst, and only the one segment that straddles two
// Fill calls is sealed aside and split. The upload uses it to fill stripe
// buffers without a pipe or a second copy. Its output is byte for byte the
// Writer's for the same plaintext. A Sealer is not safe for concurrent use.
type Sealer struct {
	r     io.Reader
	c     *Cipher
	left  int64 // plaintext bytes not yet read
	segs  int64 // segments in the stream
	index int64 // next segment to seal
	in    []byte
	plain []byte // read but not yet sealed: a suffix of in
	carry []byte // sealed bytes of a straddling segment not yet handed out
	spare []byte // where the straddling segment is sealed
}

// NewSealer returns a Sealer of the first size bytes of r under key. The
// sealed stream is SealedSize(size) bytes long.
func NewSealer(r io.Reader, key keys.FileKey, size int64) *Sealer {
	return &Sealer{r: r, c: NewCipher(key), left: size, segs: Segments(size)}
}

// Remaining returns how many sealed bytes Fill has yet to hand out.
func (s *Sealer) Remaining() int64 {
	sealedLeft := int64(len(s.carry))
	if s.index < s.segs {
		plain := int64(len(s.plain)) + s.left
		sealedLeft += plain + (s.segs-s.index)*Overhead
	}
	return sealedLeft
}

// Fill writes the next len(dst) bytes of the sealed stream into dst. It
// fails if dst reaches past the stream's end, and with ErrShortSource if
// the source ends early.
func (s *Sealer) Fill(dst []byte) error {
	if int64(len(dst)) > s.Remaining() {
		return fmt.Errorf("%w: %d sealed bytes asked, %d left", ErrRange, len(dst), s.Remaining())
	}
	n := copy(dst, s.carry)
	s.carry = s.carry[n:]
	dst = dst[n:]
	for len(dst) > 0 {
		last := s.index == s.segs-1
		segLen := SegmentSize
		if last {
			segLen = int(int64(len(s.plain)) + s.left)
		}
		if err := s.need(segLen); err != nil {
			return err
		}
		plain := s.plain[:segLen]
		s.plain = s.plain[segLen:]
		if segLen+Overhead <= len(dst) {
			s.c.Seal(dst[:0], plain, s.index, last)
			dst = dst[segLen+Overhead:]
		} else {
			if s.spare == nil {
				s.spare = make([]byte, 0, SealedSegmentSize)
			}
			sealed := s.c.Seal(s.spare[:0], plain, s.index, last)
			n := copy(dst, sealed)
			s.carry, dst = sealed[n:], dst[n:]
		}
		s.index++
	}
	return nil
}

// need makes sure s.plain holds at least n bytes (n ≤ SegmentSize).
func (s *Sealer) need(n int) error {
	if len(s.plain) >= n {
		return nil
	}
	if s.in == nil {
		s.in = make([]byte, sealerRead)
	}
	k := copy(s.in, s.plain) // the tail of the last read: under a segment
	want := int(min(int64(len(s.in)-k), s.left))
	got, err := io.ReadFull(s.r, s.in[k:k+want])
	s.left -= int64(got)
	s.plain = s.in[:k+got]
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return err
	}
	if len(s.plain) < n {
		return fmt.Errorf("%w: %d bytes missing", ErrShortSource, s.left)
	}
	return nil
}
