package chunk

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/store"
)

// pieces is a source that writes itself (io.WriterTo) in pieces of size
// bytes, and notes whether it was read instead.
type pieces struct {
	data []byte
	size int
	read bool
}

func (p *pieces) Read(b []byte) (int, error) {
	p.read = true
	if len(p.data) == 0 {
		return 0, io.EOF
	}
	n := copy(b, p.data)
	p.data = p.data[n:]
	return n, nil
}

func (p *pieces) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for len(p.data) > 0 {
		n, err := w.Write(p.data[:min(p.size, len(p.data))])
		p.data, total = p.data[n:], total+int64(n)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// readOnly hides a reader's WriteTo.
type readOnly struct{ io.Reader }

// TestSendExactly checks that every way of sending a body sends exactly n
// bytes: a longer source is cut, a shorter one is io.ErrUnexpectedEOF.
func TestSendExactly(t *testing.T) {
	data := randomChunk(t, 10000)
	sources := map[string]func(b []byte) io.Reader{
		"bytes.Reader":    func(b []byte) io.Reader { return bytes.NewReader(b) },
		"WriterTo pieces": func(b []byte) io.Reader { return &pieces{data: b, size: 3000} },
		"Reader only":     func(b []byte) io.Reader { return readOnly{bytes.NewReader(b)} },
	}
	for name, src := range sources {
		for _, tc := range []struct {
			name string
			have int // bytes the source holds
			n    int64
		}{
			{"exact", 10000, 10000},
			{"longer", 10000, 6500},
			{"longer by a piece", 10000, 3000},
			{"shorter", 5000, 10000},
			{"empty", 0, 0},
			{"nothing wanted", 10000, 0},
			{"nothing there", 0, 10},
		} {
			for _, send := range []struct {
				name string
				fn   func(io.Writer, io.Reader, int64) (int64, error)
			}{{"copyN", copyN}, {"sendN", sendN}} {
				var dst bytes.Buffer
				r := src(data[:tc.have])
				n, err := send.fn(&dst, r, tc.n)
				if p, ok := r.(*pieces); ok && p.read && send.name == "sendN" {
					t.Fatalf("%s %s: sendN read a source that can write itself", name, tc.name)
				}
				want := data[:min(int64(tc.have), tc.n)]
				what := name + " " + tc.name + " " + send.name
				if int64(tc.have) < tc.n {
					if !errors.Is(err, io.ErrUnexpectedEOF) {
						t.Fatalf("%s: %v, want unexpected EOF", what, err)
					}
				} else if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if n != int64(len(want)) || !bytes.Equal(dst.Bytes(), want) {
					t.Fatalf("%s: reported %d, sent %d bytes, want %d", what, n, dst.Len(), len(want))
				}
			}
		}
	}
}

// failWriter accepts limit bytes, then fails.
type failWriter struct{ limit int }

var errWriteFailed = errors.New("write failed")

func (f *failWriter) Write(p []byte) (int, error) {
	if len(p) > f.limit {
		n := f.limit
		f.limit = 0
		return n, errWriteFailed
	}
	f.limit -= len(p)
	return len(p), nil
}

func TestSendStreamFails(t *testing.T) {
	data := randomChunk(t, 10000)
	n, err := sendN(&failWriter{limit: 4000}, &pieces{data: data, size: 3000}, int64(len(data)))
	if n != 4000 || !errors.Is(err, errWriteFailed) {
		t.Fatalf("sendN to a failing stream: %d bytes, %v", n, err)
	}
}

// cutStore hands out readers that write themselves, and fail the test if
// read; with cut > 0 they stop cut bytes short of the range.
type cutStore struct {
	store.Store
	t   *testing.T
	cut int64
}

func (s *cutStore) Get(ctx context.Context, id cid.Cid, off, length int64) (io.ReadCloser, error) {
	rc, err := s.Store.Get(ctx, id, off, length)
	if err != nil {
		return nil, err
	}
	wt, ok := rc.(io.WriterTo)
	if !ok {
		s.t.Errorf("the store's reader %T has no WriteTo", rc)
	}
	return &writeOnly{t: s.t, wt: wt, c: rc, cut: s.cut}, nil
}

type writeOnly struct {
	t   *testing.T
	wt  io.WriterTo
	c   io.Closer
	cut int64
}

func (w *writeOnly) Read([]byte) (int, error) {
	w.t.Error("GET read the store's reader instead of having it write to the stream")
	return 0, errors.New("read")
}

func (w *writeOnly) WriteTo(dst io.Writer) (int64, error) {
	if w.cut == 0 {
		return w.wt.WriteTo(dst)
	}
	var b bytes.Buffer
	if _, err := w.wt.WriteTo(&b); err != nil {
		return 0, err
	}
	b.Truncate(b.Len() - int(w.cut))
	return b.WriteTo(dst)
}

func (w *writeOnly) Close() error { return w.c.Close() }

// TestGetStoreWritesToStream checks that GET has each store's reader
// write itself to the stream, and that a reader that ends early breaks the
// GET rather than send too few bytes.
func TestGetStoreWritesToStream(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	h, k := e.party(1)
	srv := e.server().ID
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			ctx := testCtx(t)
			cs := &cutStore{Store: kind.open(t, 0), t: t}
			e.serve(t, cs, nil)
			data := randomChunk(t, 3<<20+777)
			o := signedOrder(t, k, data)
			if _, err := c.Upload(ctx, h, srv, o, bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
			if got := getAll(t, c, h, srv, o, 0, -1); !bytes.Equal(got, data) {
				t.Fatalf("GET returned %d bytes, differing", len(got))
			}
			if got := getAll(t, c, h, srv, o, 12345, 2<<20); !bytes.Equal(got, data[12345:12345+2<<20]) {
				t.Fatalf("range GET returned %d bytes, differing", len(got))
			}

			cs.cut = 100
			r, err := c.Get(ctx, h, srv, o.Chunk, 0, -1)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			got, err := io.ReadAll(r)
			if err == nil {
				t.Fatalf("GET of a reader 100 bytes short read %d of %d bytes without an error", len(got), len(data))
			}
		})
	}
}
