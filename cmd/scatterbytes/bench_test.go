package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBenchQuick runs "scatterbytes bench --quick", as CI must so that
// the bench cannot rot. It asserts that every figure was printed and is
// sane, never how fast anything was.
func TestBenchQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a network of processes")
	}
	bin := buildBinary(t)
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "bench", "--quick", "--bench-dir", filepath.Join(t.TempDir(), "bench")).CombinedOutput()
	if err != nil {
		t.Fatalf("bench --quick: %v\n%s", err, out)
	}
	text := string(out)
	for _, re := range []string{
		`(?m)^upload: +([0-9]+) MB/s`,
		`(?m)^download: +([0-9]+) MB/s`,
	} {
		m := regexp.MustCompile(re).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("no line matching %q in:\n%s", re, text)
		}
		if v, _ := strconv.Atoi(m[1]); v <= 0 {
			t.Errorf("%q: %s MB/s, want a positive rate", re, m[1])
		}
	}
	// The store put, its bound beside it, and their ratio.
	m := regexp.MustCompile(`(?m)^chunk store put vs raw write\+fsync +([0-9]+) +([0-9]+) +([0-9.]+) \(([0-9.]+)–([0-9.]+)\) +0\.80$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no store put figure in:\n%s", text)
	}
	for _, v := range m[1:] {
		if f, _ := strconv.ParseFloat(v, 64); !(f > 0) {
			t.Errorf("store put figures %q: want every one positive", m[1:])
		}
	}
	// The clients phase (2 in --quick): both rounds ran, none refused.
	for _, round := range []string{"put", "get"} {
		re := regexp.MustCompile(`(?m)^clients: +2 ` + round + `s of 4 MiB at once: ([0-9]+) MB/s in all, .* ([0-9]+) refused$`)
		m := re.FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("no clients %s round in:\n%s", round, text)
		}
		if m[2] != "0" {
			t.Errorf("clients %s round: %s refused:\n%s", round, m[2], text)
		}
	}
	// Peak RSS of the client and of every node, per phase: positive.
	for _, re := range []string{
		`(?m)^client, put +([0-9]+) +128$`,
		`(?m)^client, get +([0-9]+) +128$`,
		`(?m)^nodes during the put, each +([0-9]+)–[0-9]+ \(6\) +150$`,
		`(?m)^nodes during the get, each +([0-9]+)–[0-9]+ \(6\) +150$`,
	} {
		m := regexp.MustCompile(re).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("no line matching %q in:\n%s", re, text)
		}
		if v, _ := strconv.Atoi(m[1]); v <= 0 {
			t.Errorf("%q: %s MiB, want a positive RSS", re, m[1])
		}
	}
	// Each latency and failover figure: a positive duration, then its
	// range.
	for _, label := range []string{
		"time to first byte, client kept open",
		"1 KiB put+get, client kept open",
		"1 KiB put+get, CLI (a process each)",
		"CLI, healthy",
		"CLI, 2 nodes killed (-9)",
		"library client kept open, healthy",
		"same, first get after the kill",
	} {
		i := strings.Index(text, label)
		if i < 0 {
			t.Fatalf("no figure %q in:\n%s", label, text)
		}
		line := strings.TrimSpace(strings.SplitN(text[i+len(label):], "\n", 2)[0])
		d, err := time.ParseDuration(strings.Fields(line)[0])
		if err != nil || d <= 0 {
			t.Errorf("%q: %q, want a positive duration first (%v)", label, line, err)
		}
	}
}
