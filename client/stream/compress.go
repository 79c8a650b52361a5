package stream

import (
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
)

// maxWindow bounds the memory a hostile compressed stream can make the
// decoder allocate (zstd's default level uses far less).
const maxWindow = 8 << 20

// Compress returns a writer that zstd-compresses into w; put it in front of
// a Writer. Closing it flushes the frame but does not close w.
func Compress(w io.Writer) (io.WriteCloser, error) {
	return zstd.NewWriter(w,
		zstd.WithEncoderLevel(zstd.SpeedDefault),
		zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(maxWindow))
}

// Decompress returns a reader of the zstd stream r that must decompress to
// exactly size bytes: more is ErrTooLarge, fewer is ErrTruncated. Close it
// to free the decoder.
func Decompress(r io.Reader, size int64) (io.ReadCloser, error) {
	d, err := zstd.NewReader(r,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxWindow(maxWindow),
		zstd.WithDecoderLowmem(true))
	if err != nil {
		return nil, err
	}
	return &sizedReader{d: d, left: size}, nil
}

type sizedReader struct {
	d    *zstd.Decoder
	left int64
}

func (s *sizedReader) Read(p []byte) (int, error) {
	if s.left == 0 {
		// Demand the frame end here so a longer stream is caught.
		var one [1]byte
		if n, err := s.d.Read(one[:]); n > 0 {
			return 0, ErrTooLarge
		} else if err != io.EOF {
			return 0, err
		}
		return 0, io.EOF
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err := s.d.Read(p)
	s.left -= int64(n)
	if err == io.EOF && s.left > 0 {
		err = fmt.Errorf("%w: decompressed %d bytes short", ErrTruncated, s.left)
	}
	if err == io.EOF {
		err = nil // report EOF after the frame-end check above
	}
	return n, err
}

func (s *sizedReader) Close() error {
	s.d.Close()
	return nil
}
