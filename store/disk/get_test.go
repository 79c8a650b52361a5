package disk

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/scatterbytes/scatterbytes/store/storetest"
)

// TestGetRanges reads ranges that start and end anywhere relative to the
// blocks and 1 MiB buffers of the direct reads, both by Read and by
// io.Copy (which uses the reader's WriteTo).
func TestGetRanges(t *testing.T) {
	s := openTest(t, t.TempDir(), Config{})
	const size = 2*readBufSize + 3*4096 + 777
	data, _ := storetest.Chunk(3, size)
	id := storetest.MustPut(t, s, data, []byte("some meta"))
	cases := [][2]int64{
		{0, -1}, {0, 0}, {0, 1}, {0, 100}, {0, readBufSize}, {0, readBufSize + 1},
		{1, 4095}, {4095, 2}, {4096, 4096}, {12345, -1}, {7, 2 * readBufSize},
		{readBufSize - 1, 2}, {readBufSize - 100, readBufSize + 200}, {readBufSize, readBufSize},
		{size - 1, 1}, {size - 1, -1}, {size, -1}, {size - 5000, 5000},
	}
	for _, c := range cases {
		off, length := c[0], c[1]
		want := data[off:]
		if length >= 0 {
			want = want[:length]
		}
		for _, how := range []string{"read", "copy"} {
			rc, err := s.Get(context.Background(), id, off, length)
			if err != nil {
				t.Fatalf("Get %d+%d: %v", off, length, err)
			}
			var got []byte
			if how == "read" {
				got, err = readPieces(rc, 1000)
			} else {
				var b bytes.Buffer
				_, err = io.Copy(&b, rc)
				got = b.Bytes()
			}
			if cerr := rc.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				t.Fatalf("%s %d+%d: %v", how, off, length, err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s %d+%d: got %d bytes, not the %d stored", how, off, length, len(got), len(want))
			}
		}
	}
}

// readPieces reads r to the end in reads of n bytes.
func readPieces(r io.Reader, n int) ([]byte, error) {
	var out []byte
	p := make([]byte, n)
	for {
		m, err := r.Read(p)
		out = append(out, p[:m]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

// TestGetAfterClose checks that a closed reader, whose buffer went back
// to the pool, reads nothing, while a reader opened after it (maybe on
// the same buffer) reads its own bytes.
func TestGetAfterClose(t *testing.T) {
	s := openTest(t, t.TempDir(), Config{})
	ctx := context.Background()
	a, _ := storetest.Chunk(1, 5000)
	b, _ := storetest.Chunk(2, 5000)
	ida := storetest.MustPut(t, s, a, nil)
	idb := storetest.MustPut(t, s, b, nil)
	ra, err := s.Get(ctx, ida, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	first := make([]byte, 10)
	if _, err := io.ReadFull(ra, first); err != nil || !bytes.Equal(first, a[:10]) {
		t.Fatalf("first read: %v", err)
	}
	ra.Close()
	rb, err := s.Get(ctx, idb, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rb.Close()
	if n, err := ra.Read(make([]byte, 100)); n != 0 || !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Read after Close: %d bytes, %v", n, err)
	}
	if n, err := ra.(io.WriterTo).WriteTo(io.Discard); n != 0 || !errors.Is(err, os.ErrClosed) {
		t.Fatalf("WriteTo after Close: %d bytes, %v", n, err)
	}
	got, err := io.ReadAll(rb)
	if err != nil || !bytes.Equal(got, b) {
		t.Fatalf("the reader opened after a close read %d bytes, %v", len(got), err)
	}
}

// blockingWriter holds its first Write until released, then keeps a copy
// of what it was given.
type blockingWriter struct {
	started, release chan struct{}
	first            []byte
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	if w.first == nil {
		close(w.started)
		<-w.release
		w.first = bytes.Clone(p)
	}
	return len(p), nil
}

// TestGetCloseDuringWriteTo closes a reader while its WriteTo is blocked
// writing from the reader's buffer: readers opened meanwhile must not get
// that buffer, and the WriteTo stops at its next read.
func TestGetCloseDuringWriteTo(t *testing.T) {
	s := openTest(t, t.TempDir(), Config{})
	ctx := context.Background()
	data, _ := storetest.Chunk(4, 3*readBufSize)
	id := storetest.MustPut(t, s, data, nil)
	other, _ := storetest.Chunk(5, readBufSize)
	otherID := storetest.MustPut(t, s, other, nil)

	ra, err := s.Get(ctx, id, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	w := &blockingWriter{started: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := ra.(io.WriterTo).WriteTo(w)
		done <- err
	}()
	<-w.started
	if err := ra.Close(); err != nil {
		t.Fatal(err)
	}
	for range 8 {
		if got := storetest.ReadAll(t, s, otherID, 0, -1); !bytes.Equal(got, other) {
			t.Fatal("another chunk read wrong while a closed reader's WriteTo was blocked")
		}
	}
	close(w.release)
	if err := <-done; !errors.Is(err, os.ErrClosed) {
		t.Fatalf("WriteTo of a reader closed meanwhile: %v, want os.ErrClosed", err)
	}
	if !bytes.Equal(w.first, data[:len(w.first)]) {
		t.Fatal("the buffer of a closed reader's WriteTo was overwritten by another reader")
	}
}
