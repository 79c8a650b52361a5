package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/p2p/storage"
	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/disk"
)

// TestNodeScrub runs `node scrub` on a node directory whose store has a
// chunk with a flipped byte: it reports it and quarantines it, a second
// scrub frees it; with the store held by another process it fails with
// one line saying so.
func TestNodeScrub(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	chunks := filepath.Join(dir, storage.ChunksDir)
	ids := putChunks(t, chunks, 3)
	paths, _ := filepath.Glob(filepath.Join(chunks, "chunks", "*", ids[1].String()))
	if len(paths) != 1 {
		t.Fatalf("chunk file of %s: %v", ids[1], paths)
	}
	flipLastByte(t, paths[0])

	out := mustRun(t, bin, "--dir", dir, "node", "scrub")
	for _, re := range []string{`(?m)^checked:\s+3 chunks`, `(?m)^corrupt:\s+1$`, `(?m)^quarantined:\s+1 `, `(?m)^freed:\s+0 B`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Fatalf("scrub output does not match %s:\n%s", re, out)
		}
	}
	out = mustRun(t, bin, "--dir", dir, "node", "scrub")
	if _, err := os.Stat(filepath.Join(chunks, "quarantine", ids[1].String())); !os.IsNotExist(err) {
		t.Fatalf("quarantined file after the second scrub: %v", err)
	}
	for _, re := range []string{`(?m)^checked:\s+2 chunks`, `(?m)^corrupt:\s+0$`, `(?m)^quarantined:\s+0 `, `(?m)^freed:.*1 quarantined chunks deleted`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Fatalf("second scrub output does not match %s:\n%s", re, out)
		}
	}

	st, err := disk.Open(context.Background(), chunks, disk.DefaultConfig(1<<30))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "--dir", dir, "node", "scrub")
	cmd.Stderr = &stderr
	if err := cmd.Run(); err == nil {
		t.Fatal("scrub of a store in use succeeded")
	}
	msg := strings.TrimSpace(stderr.String())
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "in use by a running node") {
		t.Fatalf("scrub of a store in use said %q, want one line saying it is in use", msg)
	}
}

// putChunks stores n random chunks in a disk store in dir and closes it.
func putChunks(t *testing.T, dir string, n int) []cid.Cid {
	t.Helper()
	st, err := disk.Open(context.Background(), dir, disk.DefaultConfig(1<<30))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var ids []cid.Cid
	for range n {
		data := make([]byte, 50000)
		rand.Read(data)
		id := store.Sum(data)
		if err := st.Put(context.Background(), id, int64(len(data)), bytes.NewReader(data), nil); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func flipLastByte(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 1
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func mustRun(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
