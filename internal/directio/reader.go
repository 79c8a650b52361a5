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
		data, err := r.readAt(r.buf, r.pos)
		if err != nil {
			return 0, err
		}
		r.data = data
	}
	n := copy(p, r.data)
	r.data, r.pos = r.data[n:], r.pos+int64(n)
	return n, nil
}

// WriteTo implements io.WriterTo, writing straight from the buffer. Where
// reads go direct, the buffer's halves take turns: the next blocks are read
// from the device while the current ones are written to w, so the disk's
// latency is not added to every piece.
func (r *SectionReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	write := func() error {
		n, err := w.Write(r.data)
		r.data, r.pos, total = r.data[n:], r.pos+int64(n), total+int64(n)
		if err == nil && len(r.data) > 0 {
			err = io.ErrShortWrite
		}
		return err
	}
	if len(r.data) > 0 { // left by a Read
		if err := write(); err != nil {
			return total, err
		}
	}
	half := int(roundDown(int64(len(r.buf) / 2)))
	if !r.direct || half < BlockSize {
		for {
			data, err := r.readAt(r.buf, r.pos)
			if err == io.EOF {
				return total, nil
			} else if err != nil {
				return total, err
			}
			r.data = data
			if err := write(); err != nil {
				return total, err
			}
		}
	}
	halves := [2][]byte{r.buf[:half], r.buf[half : 2*half]}
	data, err := r.readAt(halves[0], r.pos)
	if err == io.EOF {
		return total, nil
	} else if err != nil {
		return total, err
	}
	r.data = data
	for i := 1; ; i = 1 - i {
		type result struct {
			data []byte
			err  error
		}
		ahead := make(chan result, 1)
		go func(buf []byte, pos int64) {
			data, err := r.readAt(buf, pos)
			ahead <- result{data, err}
		}(halves[i], r.pos+int64(len(r.data)))
		werr := write()
		next := <-ahead // the half is ours again only once its read is done
		if werr != nil {
			return total, werr
		}
		if next.err == io.EOF {
			return total, nil
		} else if next.err != nil {
			return total, next.err
		}
		r.data = next.data
	}
}

// readAt reads into buf the blocks from the one holding pos and returns
// the bytes of the range among them, from pos on; io.EOF past the range.
func (r *SectionReader) readAt(buf []byte, pos int64) ([]byte, error) {
	if pos >= r.end {
		return nil, io.EOF
	}
	start := roundDown(pos)
	want := min(int64(len(buf)), roundUp(r.end-start))
	got, err := r.f.ReadAt(buf[:want], start)
	if int64(got) < min(want, r.end-start) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf[pos-start : min(int64(got), r.end-start)], nil
}
