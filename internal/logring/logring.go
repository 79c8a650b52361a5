// Package logring keeps the last records a logger wrote at or above a
// level, for a page that shows "the last errors", while passing every
// record on to the handler it wraps.
package logring

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Entry is one kept record: its time, level, message and attributes as
// "key=value" text.
type Entry struct {
	Time    time.Time `json:"time"`
	Level   string    `json:"level"`
	Message string    `json:"message"`
	Attrs   string    `json:"attrs,omitempty"`
}

// Ring keeps the last Size entries. Make it with New.
type Ring struct {
	min  slog.Level
	mu   sync.Mutex
	buf  []Entry
	next int
	full bool
}

// New returns a ring of size entries that keeps records at min or above.
func New(size int, min slog.Level) *Ring {
	return &Ring{min: min, buf: make([]Entry, size)}
}

// Last returns the kept entries, newest first.
func (r *Ring) Last() []Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.next
	if r.full {
		n = len(r.buf)
	}
	out := make([]Entry, 0, n)
	for i := 1; i <= n; i++ {
		out = append(out, r.buf[(r.next-i+len(r.buf))%len(r.buf)])
	}
	return out
}

func (r *Ring) add(e Entry) {
	r.mu.Lock()
	r.buf[r.next] = e
	r.next = (r.next + 1) % len(r.buf)
	r.full = r.full || r.next == 0
	r.mu.Unlock()
}

// Handler returns a handler that keeps records in r and passes each to
// next (nil: keeps them only).
func (r *Ring) Handler(next slog.Handler) slog.Handler {
	if next == nil {
		next = slog.DiscardHandler
	}
	return &handler{r: r, next: next}
}

type handler struct {
	r      *Ring
	next   slog.Handler
	prefix string // attributes and groups from With
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.r.min || h.next.Enabled(ctx, l)
}

func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	if rec.Level >= h.r.min {
		var b strings.Builder
		b.WriteString(h.prefix)
		rec.Attrs(func(a slog.Attr) bool {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(a.String())
			return true
		})
		h.r.add(Entry{Time: rec.Time, Level: rec.Level.String(), Message: rec.Message, Attrs: b.String()})
	}
	if h.next.Enabled(ctx, rec.Level) {
		return h.next.Handle(ctx, rec)
	}
	return nil
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	p := h.prefix
	for _, a := range as {
		if p != "" {
			p += " "
		}
		p += a.String()
	}
	return &handler{r: h.r, next: h.next.WithAttrs(as), prefix: p}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{r: h.r, next: h.next.WithGroup(name), prefix: h.prefix}
}
