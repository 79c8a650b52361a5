package stream

import "errors"

var (
	// ErrTampered means a segment failed to authenticate: it was modified,
	// moved, cut inside, or sealed under another key.
	ErrTampered = errors.New("stream: segment failed authentication")
	// ErrTruncated means the stream ends at a segment boundary before its
	// final segment.
	ErrTruncated = errors.New("stream: truncated")
	// ErrRange means an offset or length lies outside the stream.
	ErrRange = errors.New("stream: range outside the stream")
	// ErrClosed means a Writer was used after Close.
	ErrClosed = errors.New("stream: writer closed")
	// ErrTooLarge means decompressed data exceeds the size it was promised.
	ErrTooLarge = errors.New("stream: decompressed data larger than declared")
)
