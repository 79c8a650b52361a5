package ratelog

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestOneRecordPerKindPerInterval(t *testing.T) {
	var buf bytes.Buffer
	now := time.Unix(0, 0)
	l := New(slog.New(slog.NewTextHandler(&buf, nil)), time.Second, func() time.Time { return now })
	ctx := context.Background()
	for range 100 {
		l.Log(ctx, slog.LevelWarn, "a", "abuse a")
		l.Log(ctx, slog.LevelWarn, "b", "abuse b")
	}
	if got := strings.Count(buf.String(), "\n"); got != 2 {
		t.Fatalf("%d records in the first interval, want 2:\n%s", got, buf.String())
	}
	buf.Reset()
	now = now.Add(time.Second)
	l.Log(ctx, slog.LevelWarn, "a", "abuse a")
	if !strings.Contains(buf.String(), "suppressed=99") || !strings.Contains(buf.String(), "kind=a") {
		t.Fatalf("next record does not report the 99 held back: %s", buf.String())
	}
	var nilLogger *Logger
	nilLogger.Log(ctx, slog.LevelWarn, "a", "discarded")
}
