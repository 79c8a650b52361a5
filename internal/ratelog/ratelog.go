// Package ratelog writes log records of the same kind at a bounded rate:
// at most one record per kind per interval reaches the logger, and the
// records held back meanwhile are counted and reported with the next one
// ("suppressed": n). It is for events a remote party can cause at will (a
// peer refused, a stream over its limit), whose logging must not become
// the attack.
package ratelog

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Logger rate-limits records by kind. The set of kinds must be small and
// fixed by the code (constants), never taken from the network: a Logger
// keeps one entry per kind for good. A nil *Logger discards everything.
type Logger struct {
	log   *slog.Logger
	every time.Duration
	now   func() time.Time

	mu    sync.Mutex
	kinds map[string]*kind
}

type kind struct {
	last       time.Time
	suppressed int64
}

// New returns a Logger writing to log at most one record per kind per
// every; now is its clock (nil means time.Now).
func New(log *slog.Logger, every time.Duration, now func() time.Time) *Logger {
	if now == nil {
		now = time.Now
	}
	return &Logger{log: log, every: every, now: now, kinds: map[string]*kind{}}
}

// Log writes msg at level with attrs unless a record of the same kind was
// written less than the interval ago; then it only counts it. A written
// record carries kind and, if records were held back, how many.
func (l *Logger) Log(ctx context.Context, level slog.Level, kindName, msg string, attrs ...any) {
	if l == nil || !l.log.Enabled(ctx, level) {
		return
	}
	now := l.now()
	l.mu.Lock()
	k := l.kinds[kindName]
	if k == nil {
		k = &kind{}
		l.kinds[kindName] = k
	}
	if !k.last.IsZero() && now.Sub(k.last) < l.every {
		k.suppressed++
		l.mu.Unlock()
		return
	}
	n := k.suppressed
	k.last, k.suppressed = now, 0
	l.mu.Unlock()
	attrs = append(attrs, "kind", kindName)
	if n > 0 {
		attrs = append(attrs, "suppressed", n)
	}
	l.log.Log(ctx, level, msg, attrs...)
}
