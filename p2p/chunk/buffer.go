package chunk

import (
	"bytes"
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
	if br, ok := src.(*bytes.Reader); ok && int64(br.Len()) == n {
		// The body is already in memory (the client's shards): write it
		// as it is rather than copy it through the buffer.
		return br.WriteTo(onlyWriter{dst})
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
