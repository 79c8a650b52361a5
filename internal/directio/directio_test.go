package directio

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// modes runs fn with direct I/O tried (where the file system has it) and
// with the page-cache path forced.
func modes(t *testing.T, fn func(t *testing.T)) {
	t.Run("direct", fn)
	t.Run("cached", func(t *testing.T) {
		tryDirect = false
		t.Cleanup(func() { tryDirect = true })
		fn(t)
	})
}

func randBytes(seed uint64, n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, seed))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestAlloc(t *testing.T) {
	for _, n := range []int{1, BlockSize - 1, BlockSize, 3*BlockSize + 7, 1 << 20} {
		b := Alloc(n)
		if !Aligned(b) || len(b) < n || len(b) >= n+BlockSize {
			t.Fatalf("Alloc(%d): %d bytes, aligned %v", n, len(b), Aligned(b))
		}
	}
	if Aligned(Alloc(2 * BlockSize)[1:]) {
		t.Fatal("an unaligned slice counts as aligned")
	}
}

func TestWriterRoundTrip(t *testing.T) {
	modes(t, func(t *testing.T) {
		const half = 4 * BlockSize
		for _, size := range []int{0, 1, BlockSize - 1, BlockSize, BlockSize + 1, half, 2 * half, 5*half + 123, 300_001} {
			want := randBytes(uint64(size), size)
			path := filepath.Join(t.TempDir(), "out")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			w := NewWriter(f, Alloc(2*half))
			// Mixed piece sizes, and every other piece read straight into
			// the buffer, exercise both ways in.
			r := rand.New(rand.NewPCG(1, uint64(size)))
			for p, i := want, 0; len(p) > 0; i++ {
				n := min(len(p), 1+r.IntN(3*BlockSize))
				if i%2 == 0 {
					if _, err := w.Write(p[:n]); err != nil {
						t.Fatal(err)
					}
				} else {
					b, err := w.Buffer()
					if err != nil {
						t.Fatal(err)
					}
					n = copy(b, p[:n])
					w.Commit(n)
				}
				p = p[n:]
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write([]byte{1}); !errors.Is(err, ErrFlushed) {
				t.Fatalf("write after flush: %v", err)
			}
			f.Close()
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("size %d: file holds %d bytes, not what was written", size, len(got))
			}
		}
	})
}

func TestWriterReportsFailure(t *testing.T) {
	modes(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "ro")
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path) // read-only: every write fails
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		w := NewWriter(f, Alloc(2*BlockSize))
		_, werr := w.Write(make([]byte, 5*BlockSize))
		ferr := w.Flush()
		if werr == nil && ferr == nil {
			t.Fatal("writes to a read-only file reported no error")
		}
	})
}

func TestSectionReader(t *testing.T) {
	modes(t, func(t *testing.T) {
		const size = 9*BlockSize + 333
		data := randBytes(7, size)
		path := filepath.Join(t.TempDir(), "in")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		cases := [][2]int64{
			{0, size}, {0, 0}, {1, 1}, {BlockSize - 1, 2}, {BlockSize, BlockSize},
			{100, 5 * BlockSize}, {size - 1, 1}, {size - 5000, 5000}, {3*BlockSize + 17, size - 3*BlockSize - 17},
		}
		for _, c := range cases {
			off, n := c[0], c[1]
			want := data[off : off+n]
			for _, how := range []string{"read", "writeto"} {
				f, err := os.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				r := NewSectionReader(f, off, n, Alloc(2*BlockSize))
				var got []byte
				if how == "read" {
					got, err = readSmall(r)
				} else {
					var b bytes.Buffer
					_, err = r.WriteTo(&b)
					got = b.Bytes()
				}
				f.Close()
				if err != nil {
					t.Fatalf("%s %d+%d: %v", how, off, n, err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("%s %d+%d: got %d bytes, not the range", how, off, n, len(got))
				}
			}
		}

		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		r := NewSectionReader(f, size-10, 20, Alloc(BlockSize))
		if _, err := io.ReadAll(r); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("a range past the end of the file: %v, want unexpected EOF", err)
		}
	})
}

// readSmall reads r in 1000-byte pieces, so that reads straddle blocks.
func readSmall(r io.Reader) ([]byte, error) {
	var out []byte
	p := make([]byte, 1000)
	for {
		n, err := r.Read(p)
		out = append(out, p[:n]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

// TestDirectOnExt4 makes sure the fast path is taken where it exists: on
// ext4, the file system of the test machines, both sides must go direct.
func TestDirectOnExt4(t *testing.T) {
	dir := t.TempDir()
	var st unix.Statfs_t
	if runtime.GOOS != "linux" || unix.Statfs(dir, &st) != nil || st.Type != unix.EXT4_SUPER_MAGIC {
		t.Skip("the temp dir is not on ext4")
	}
	f, err := os.Create(filepath.Join(dir, "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !NewWriter(f, Alloc(2*BlockSize)).Direct() {
		t.Error("writer does not go direct on ext4")
	}
	if !NewSectionReader(f, 0, 0, Alloc(BlockSize)).Direct() {
		t.Error("reader does not go direct on ext4")
	}
}

func TestWriterReadFrom(t *testing.T) {
	modes(t, func(t *testing.T) {
		const size = 7*BlockSize*4 + 999
		want := randBytes(3, size)
		path := filepath.Join(t.TempDir(), "out")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		w := NewWriter(f, Alloc(8*BlockSize))
		n, err := w.ReadFrom(&choppy{b: want, r: rand.New(rand.NewPCG(3, 3))})
		if err != nil || n != size {
			t.Fatalf("ReadFrom: %d bytes, %v", n, err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("file holds %d bytes, not what was read (%v)", len(got), err)
		}
	})
}

// choppy hands out b in pieces of random size, and io.EOF with the last.
type choppy struct {
	b []byte
	r *rand.Rand
}

func (c *choppy) Read(p []byte) (int, error) {
	n := copy(p, c.b[:min(len(c.b), 1+c.r.IntN(2*BlockSize))])
	c.b = c.b[n:]
	if len(c.b) == 0 {
		return n, io.EOF
	}
	return n, nil
}

// TestWriterAbort checks that Abort waits for the write in flight: the
// race detector would see the buffer written below while the Writer's
// goroutine still reads it.
func TestWriterAbort(t *testing.T) {
	modes(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "out")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		buf := Alloc(4 * BlockSize)
		w := NewWriter(f, buf)
		// One and a half halves: the first half is written (in the
		// background where direct), half the second one is buffered.
		if _, err := w.Write(randBytes(3, 3*BlockSize)); err != nil {
			t.Fatal(err)
		}
		w.Abort()
		copy(buf, make([]byte, len(buf)))
		if _, err := w.Write([]byte{1}); !errors.Is(err, ErrAborted) {
			t.Fatalf("write after abort: %v", err)
		}
		if err := w.Flush(); !errors.Is(err, ErrAborted) {
			t.Fatalf("flush after abort: %v", err)
		}
		fi, err := f.Stat()
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() != 2*BlockSize {
			t.Fatalf("file holds %d bytes after abort, want the %d of the full half", fi.Size(), 2*BlockSize)
		}
	})
}

// lazyWriter takes nothing and reports no error, against io.Writer's rules.
type lazyWriter struct{}

func (lazyWriter) Write([]byte) (int, error) { return 0, nil }

func TestSectionReaderShortWrite(t *testing.T) {
	modes(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "in")
		if err := os.WriteFile(path, randBytes(1, 5*BlockSize), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := NewSectionReader(f, 0, 5*BlockSize, Alloc(2*BlockSize)).WriteTo(lazyWriter{}); !errors.Is(err, io.ErrShortWrite) {
			t.Fatalf("WriteTo a writer that takes nothing: %v, want a short write", err)
		}
	})
}
