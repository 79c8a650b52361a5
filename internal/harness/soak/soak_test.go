package soak_test

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/harness/soak"
)

var (
	soakFor  = flag.Duration("soak", 0, "run the soak this long (0: a 5-second smoke run)")
	soakSeed = flag.Int64("seed", 0, "the soak's seed (0: from the clock)")
)

// TestSoak runs the soak: for -soak (SOAK) with -seed (SOAK_SEED), or for
// five seconds under the ordinary test run so that it keeps working.
func TestSoak(t *testing.T) {
	d, seed := *soakFor, *soakSeed
	if v := os.Getenv("SOAK"); d == 0 && v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			t.Fatalf("SOAK=%q: %v", v, err)
		}
	}
	if v := os.Getenv("SOAK_SEED"); seed == 0 && v != "" {
		if _, err := fmt.Sscan(v, &seed); err != nil {
			t.Fatalf("SOAK_SEED=%q: %v", v, err)
		}
	}
	cfg := soak.Config{Seed: seed, Duration: d, Dir: t.TempDir(), Logf: t.Logf}
	if cfg.Seed == 0 {
		cfg.Seed = time.Now().UnixNano() % 1e9
	}
	if d == 0 {
		cfg.Duration = 5 * time.Second
		cfg.Nodes, cfg.Clients, cfg.Workers = 7, 1, 2
		cfg.MaxFile, cfg.FaultEvery, cfg.CheckEvery = 1<<20, time.Second, 3*time.Second
	}
	switch {
	case os.Getenv("SB_TEST_LOG") != "":
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	case os.Getenv("SOAK_LOG") != "":
		// Only the records whose message matches: the whole debug log of
		// a soak is far too much to read.
		re := regexp.MustCompile(os.Getenv("SOAK_LOG"))
		h := slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})
		cfg.Logger = slog.New(&matching{h: h, re: re})
	}
	t.Logf("soak seed %d (replay: go test -run Soak ./internal/harness/soak -soak=%s -seed=%d)", cfg.Seed, cfg.Duration, cfg.Seed)
	rep, err := soak.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", rep)
	if len(rep.Failures) > 0 {
		t.Errorf("%d failures; replay: %s", len(rep.Failures), rep.Replay())
	}
}

// matching passes on the records whose message matches re.
type matching struct {
	h  slog.Handler
	re *regexp.Regexp
}

func (m *matching) Enabled(ctx context.Context, l slog.Level) bool { return m.h.Enabled(ctx, l) }
func (m *matching) Handle(ctx context.Context, r slog.Record) error {
	if !m.re.MatchString(r.Message) {
		return nil
	}
	return m.h.Handle(ctx, r)
}
func (m *matching) WithAttrs(as []slog.Attr) slog.Handler {
	return &matching{h: m.h.WithAttrs(as), re: m.re}
}
func (m *matching) WithGroup(g string) slog.Handler { return &matching{h: m.h.WithGroup(g), re: m.re} }
