package logring

import (
	"log/slog"
	"testing"
)

func TestRingKeepsTheLastWarnings(t *testing.T) {
	r := New(2, slog.LevelWarn)
	log := slog.New(r.Handler(nil)).With("part", "x")
	log.Info("quiet")
	log.Warn("one", "n", 1)
	log.Error("two")
	log.Warn("three")
	got := r.Last()
	if len(got) != 2 || got[0].Message != "three" || got[1].Message != "two" || got[1].Attrs != "part=x" {
		t.Fatalf("%+v", got)
	}
}
