package directio

import (
	"fmt"
	"io"
	"os"
)

// SectionReader reads a range of a file, with O_DIRECT where the file
// system allows: it reads whole aligned blocks covering the range into its
// buffer and hands out only the range's bytes. Elsewhere it reads the same
// way through the page cache.
type SectionReader struct {
	f      *os.File
	direct bool
	buf    []byte
	pos    int64  // file offset of the next byte to hand out
	end    int64  // file offset just past the range
	data   []byte // read but not yet handed out; starts at pos
}

// NewSectionReader returns a reader of the n bytes of f from off, through
// buf, which must be Aligned and hold at least one block. The file must
// hold the whole range: a shorter file is io.ErrUnexpectedEOF.
func NewSectionReader(f *os.File, off, n int64, buf []byte) *SectionReader {
	if !Aligned(buf) || len(buf) < BlockSize {
		panic(fmt.Sprintf("directio: reader buffer of %d bytes is not aligned blocks", len(buf)))
	}
	return &SectionReader{f: f, direct: tryDirect && setDirect(f, true) == nil, buf: buf, pos: off, end: off + n}
}

// Direct reports whether the reader bypasses the page cache.
func (r *SectionReader) Direct() bool { return r.direct }

// Read implements io.Reader.
func (r *SectionReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		if err := r.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.data)
	r.data, r.pos = r.data[n:], r.pos+int64(n)
	return n, nil
}

// WriteTo implements io.WriterTo, writing straight from the buffer.
func (r *SectionReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if len(r.data) == 0 {
			if err := r.fill(); err == io.EOF {
				return total, nil
			} else if err != nil {
				return total, err
			}
		}
		n, err := w.Write(r.data)
		r.data, r.pos, total = r.data[n:], r.pos+int64(n), total+int64(n)
		if err != nil {
			return total, err
		}
	}
}

// fill reads the blocks from the one holding pos into the buffer.
func (r *SectionReader) fill() error {
	if r.pos >= r.end {
		return io.EOF
	}
	start := roundDown(r.pos)
	want := min(int64(len(r.buf)), roundUp(r.end-start))
	got, err := r.f.ReadAt(r.buf[:want], start)
	if int64(got) < min(want, r.end-start) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	r.data = r.buf[r.pos-start : min(int64(got), r.end-start)]
	return nil
}
