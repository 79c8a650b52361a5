package chunk

import (
	"bytes"
	"errors"
	"io"
	"sync"
)

// copyBufSize is the unit in which chunk bytes move between store and
// stream: large, so the per-call overhead of a stream write vanishes.
const copyBufSize = 1 << 20

var copyBufs = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}

// copyN copies exactly n bytes from src to dst through a pooled buffer. A
// src that ends early is io.ErrUnexpectedEOF.
func copyN(dst io.Writer, src io.Reader, n int64) (int64, error) {
	if br, ok := src.(*bytes.Reader); ok {
		// The body is already in memory (the client's shards): write it
		// as it is rather than copy it through the buffer.
		return writeN(dst, br, n)
	}
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	// LimitReader hides src's WriterTo, so the copy goes through our buffer
	// and never past n.
	w, err := io.CopyBuffer(onlyWriter{dst}, io.LimitReader(src, n), *bp)
	if err == nil && w < n {
		err = io.ErrUnexpectedEOF
	}
	return w, err
}

// onlyWriter hides dst's ReaderFrom, which would bypass the buffer.
type onlyWriter struct{ io.Writer }

// writeN has src write exactly n bytes of itself to dst, for a source
// that writes from its own memory in large pieces (a bytes.Reader, or a
// store's reader writing from its read buffer), so that no byte is copied
// on the way. Bytes of src past n are not sent; a src that ends early is
// io.ErrUnexpectedEOF.
func writeN(dst io.Writer, src io.WriterTo, n int64) (int64, error) {
	w := &exactWriter{w: dst, left: n}
	_, err := src.WriteTo(w)
	sent := n - w.left
	if errors.Is(err, errSent) {
		err = nil // src had more than n bytes
	}
	if err == nil && sent < n {
		err = io.ErrUnexpectedEOF
	}
	return sent, err
}

// errSent stops a WriteTo once all the bytes wanted have been sent.
var errSent = errors.New("chunk: all bytes sent")

// exactWriter passes on at most left bytes, then refuses with errSent.
// Being its own type, it also hides dst's ReaderFrom.
type exactWriter struct {
	w    io.Writer
	left int64
}

func (e *exactWriter) Write(p []byte) (int, error) {
	over := int64(len(p)) > e.left
	if over {
		p = p[:e.left]
	}
	n := 0
	if len(p) > 0 {
		var err error
		n, err = e.w.Write(p)
		e.left -= int64(n)
		if err != nil {
			return n, err
		}
		if n < len(p) {
			return n, io.ErrShortWrite
		}
	}
	if over {
		return n, errSent
	}
	return n, nil
}
