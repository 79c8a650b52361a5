package directio

import (
	"errors"
	"fmt"
	"io"
	"os"
)

var (
	// ErrFlushed is returned by a Writer used after Flush.
	ErrFlushed = errors.New("directio: write after flush")
	// ErrAborted is returned by a Writer used after Abort.
	ErrAborted = errors.New("directio: write after abort")
)

// Writer writes a stream of bytes to a file from offset 0. Where the file
// system allows, whole blocks go out with O_DIRECT, each half of the
// buffer written while the caller fills the other half; the last partial
// block is written through the page cache at Flush. Elsewhere it writes
// each half as it fills, through the page cache, and starts its writeback
// at once.
//
// Writer does not sync or close the file; a caller that needs the bytes
// durable calls f.Sync after Flush. A Writer is not safe for concurrent
// use. A write may be in flight from the buffer after Write or Commit
// returns; once Flush or Abort has returned, the Writer no longer touches
// the buffer, and the caller may reuse it.
type Writer struct {
	f      *os.File
	direct bool
	half   [2][]byte
	cur    int        // the half being filled
	fill   int        // bytes in half[cur]
	off    int64      // file offset of half[cur][0]
	done   chan error // the write in flight; nil when none
	err    error      // sticky: the first failure, or ErrFlushed
}

// NewWriter returns a Writer to f through buf, which must be Aligned and
// hold at least two blocks. f should be empty: the Writer starts at
// offset 0 and never reads.
func NewWriter(f *os.File, buf []byte) *Writer {
	if !Aligned(buf) || len(buf) < 2*BlockSize {
		panic(fmt.Sprintf("directio: writer buffer of %d bytes is not two or more aligned blocks", len(buf)))
	}
	h := roundDown(int64(len(buf) / 2))
	w := &Writer{f: f, half: [2][]byte{buf[:h:h], buf[h : 2*h : 2*h]}}
	w.direct = tryDirect && setDirect(f, true) == nil
	return w
}

// Direct reports whether the Writer bypasses the page cache.
func (w *Writer) Direct() bool { return w.direct }

// Write implements io.Writer.
func (w *Writer) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		b, err := w.Buffer()
		if err != nil {
			return n, err
		}
		c := copy(b, p)
		w.Commit(c)
		p, n = p[c:], n+c
	}
	return n, w.err
}

// ReadFrom implements io.ReaderFrom: r reads straight into the buffer,
// which saves Write's copy. A reader that fills whole blocks per call (a
// stream.Reader opens each 64 KiB segment in place) keeps every write
// aligned.
func (w *Writer) ReadFrom(r io.Reader) (int64, error) {
	var total int64
	for {
		b, err := w.Buffer()
		if err != nil {
			return total, err
		}
		n, err := r.Read(b)
		w.Commit(n)
		total += int64(n)
		if err == io.EOF {
			return total, w.err
		}
		if err != nil {
			return total, err
		}
	}
}

// Buffer returns the free part of the buffer, never empty unless the
// Writer has failed. A caller can read into it directly and then Commit
// the bytes it filled, which saves Write's copy.
func (w *Writer) Buffer() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	return w.half[w.cur][w.fill:], nil
}

// Commit adds the first n bytes of the last Buffer to the stream.
func (w *Writer) Commit(n int) {
	w.fill += n
	if w.fill == len(w.half[w.cur]) {
		w.flushHalf()
	}
}

// flushHalf writes the full current half and moves to the other, once the
// other's write has finished.
func (w *Writer) flushHalf() {
	full, off := w.half[w.cur], w.off
	if err := w.wait(); err != nil {
		return
	}
	w.cur, w.fill, w.off = 1-w.cur, 0, off+int64(len(full))
	if !w.direct {
		if err := writeAt(w.f, full, off); err != nil {
			w.fail(err)
			return
		}
		// The disk works on this half while the caller fills the other.
		startWriteback(w.f, off, int64(len(full)))
		return
	}
	w.done = make(chan error, 1)
	go func(done chan<- error) { done <- writeAt(w.f, full, off) }(w.done)
}

// wait waits for the write in flight and returns the Writer's error.
func (w *Writer) wait() error {
	if w.done != nil {
		w.fail(<-w.done)
		w.done = nil
	}
	return w.err
}

func (w *Writer) fail(err error) {
	if err != nil && w.err == nil {
		w.err = err
	}
}

// Flush writes everything buffered and waits for it. The Writer accepts
// no more bytes afterwards.
func (w *Writer) Flush() error {
	if err := w.wait(); err != nil {
		if err == ErrFlushed {
			return nil
		}
		return err
	}
	tail := w.half[w.cur][:w.fill]
	if w.direct {
		whole := int(roundDown(int64(len(tail))))
		if err := writeAt(w.f, tail[:whole], w.off); err != nil {
			return w.failed(err)
		}
		tail, w.off = tail[whole:], w.off+int64(whole)
		if len(tail) > 0 {
			// The last partial block cannot go direct: the file would end
			// on a block boundary, padded.
			if err := setDirect(w.f, false); err != nil {
				return w.failed(err)
			}
			w.direct = false
		}
	}
	if err := writeAt(w.f, tail, w.off); err != nil {
		return w.failed(err)
	}
	w.err = ErrFlushed
	return nil
}

// Abort gives up the stream: it waits for the write in flight, if any,
// and writes nothing more, so the caller can reuse the buffer at once and
// throw the file away. The Writer accepts no more bytes afterwards.
func (w *Writer) Abort() {
	w.wait()
	w.fail(ErrAborted)
}

func (w *Writer) failed(err error) error {
	w.fail(err)
	return err
}

func writeAt(f *os.File, b []byte, off int64) error {
	if len(b) == 0 {
		return nil
	}
	_, err := f.WriteAt(b, off)
	return err
}
