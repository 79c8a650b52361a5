package soak

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"

	"github.com/scatterbytes/scatterbytes/client"
)

// put stores a new file and, once acknowledged, expects it back.
func (s *soak) put(ctx context.Context, ci int, r *rand.Rand) {
	f := s.m.newFile(r, s.cfg.MaxFile)
	f.owner = ci
	data := content(s.cfg.Seed, f)
	octx, cancel := context.WithTimeout(ctx, s.cfg.OpTimeout)
	defer cancel()
	ref, err := s.clients[ci].Put(octx, bytes.NewReader(data), f.size,
		client.PutOptions{Name: f.name, Redundancy: f.red, Compress: f.text})
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil {
			s.ops.add("put-failed")
			s.opError("put", err)
		}
		delete(s.m.files, f.id)
		s.m.liveB -= f.size
		return
	}
	s.ops.add("put")
	f.ref, f.state = ref, live
}

// get reads a live file whole (two times in three) or a range of it and
// compares every byte returned with the file's bytes.
func (s *soak) get(ctx context.Context, ci int, r *rand.Rand) {
	ranged := r.IntN(3) == 0
	roff, rlen := r.Int64(), r.Int64()
	s.m.mu.Lock()
	f := s.m.pick(r, live)
	if f != nil {
		f.readers++
	}
	s.m.mu.Unlock()
	if f == nil {
		return
	}
	defer func() {
		s.m.mu.Lock()
		f.readers--
		s.m.mu.Unlock()
	}()
	octx, cancel := context.WithTimeout(ctx, s.cfg.OpTimeout)
	defer cancel()
	op := "get"
	if ranged {
		op = "get-range"
	}
	err := s.verify(octx, s.clients[ci], f, ranged, roff, rlen)
	switch {
	case err == nil:
		s.ops.add(op)
		s.verified.add(op)
	case ctx.Err() == nil:
		s.ops.add(op + "-failed")
		s.opError(op, err)
	}
}

// verify reads f through c, whole or the range drawn from roff and rlen,
// and records a failure for any byte that differs, error or not. It
// returns the read's error.
func (s *soak) verify(ctx context.Context, c *client.Client, f *file, ranged bool, roff, rlen int64) error {
	want := content(s.cfg.Seed, f)
	h, err := c.Open(ctx, f.ref)
	if err != nil {
		return err
	}
	defer h.Close()
	s.m.mu.Lock()
	if f.man == nil {
		f.man = h.Manifest()
	}
	s.m.mu.Unlock()
	if h.Size() != f.size {
		s.fail("%s: size %d, want %d", f.name, h.Size(), f.size)
		return nil
	}
	if ranged && f.size > 0 {
		off := roff % f.size
		n := 1 + rlen%min(f.size-off, 1<<20)
		buf := make([]byte, n)
		k, err := h.ReadAt(buf, off)
		if !bytes.Equal(buf[:k], want[off:off+int64(k)]) {
			s.fail("%s: ReadAt(%d, %d) returned corrupt bytes (first at +%d)", f.name, n, off, firstDiff(buf[:k], want[off:]))
		}
		if err == io.EOF && int64(k) == n {
			err = nil
		}
		if err == nil && int64(k) != n {
			s.fail("%s: ReadAt(%d, %d) returned %d bytes and no error", f.name, n, off, k)
		}
		return err
	}
	var out bytes.Buffer
	_, err = h.WriteTo(&out)
	got := out.Bytes()
	if len(got) > len(want) || !bytes.Equal(got, want[:len(got)]) {
		s.fail("%s: read returned corrupt bytes (first at %d of %d)", f.name, firstDiff(got, want), len(got))
	}
	if err == nil && len(got) != len(want) {
		s.fail("%s: read returned %d bytes of %d and no error", f.name, len(got), len(want))
	}
	return err
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// remove deletes one of client ci's live files that no one is reading.
// The deletion is clean when no node was down or stopped meanwhile.
func (s *soak) remove(ctx context.Context, ci int, r *rand.Rand) {
	s.m.mu.Lock()
	var f *file
	if g := s.m.pick(r, live); g != nil && g.owner == ci && g.readers == 0 {
		f = g
		f.state = deleting
	}
	s.m.mu.Unlock()
	if f == nil {
		return
	}
	s.nmu.Lock()
	down0, stops0 := s.down, s.stops
	s.nmu.Unlock()
	octx, cancel := context.WithTimeout(ctx, s.cfg.OpTimeout)
	defer cancel()
	err := s.clients[ci].Remove(octx, "", f.name)
	s.nmu.Lock()
	clean := down0 == 0 && s.stops == stops0
	s.nmu.Unlock()
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if err != nil {
		if errors.Is(err, client.ErrNoManifest) || errors.Is(err, client.ErrUnavailable) {
			// Open failed before anything was deleted: the file stays.
			f.state = live
		} else {
			f.state = unknown
		}
		s.m.liveB -= f.size * int64(boolInt(f.state == unknown))
		if ctx.Err() == nil { // not cut short by the end of the run
			s.ops.add("delete-failed")
			s.opError("delete", err)
		}
		return
	}
	s.ops.add("delete")
	f.state, f.clean = deleted, clean
	s.m.liveB -= f.size
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// errKind names an error by the sentinel it wraps.
func errKind(err error) string {
	for _, k := range []struct {
		err  error
		name string
	}{
		{client.ErrNoSpace, "no-space"},
		{client.ErrNotEnoughNodes, "not-enough-nodes"},
		{client.ErrUnavailable, "unavailable"},
		{client.ErrNoManifest, "no-manifest"},
		{context.DeadlineExceeded, "timeout"},
		{context.Canceled, "canceled"},
	} {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return "other"
}
