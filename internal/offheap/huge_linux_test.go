package offheap

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// A stripe-sized buffer is backed by huge pages where the kernel offers
// them on advice.
func TestHugePages(t *testing.T) {
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || strings.Contains(string(mode), "[never]") {
		t.Skip("transparent huge pages are off here")
	}
	before := anonHuge(t)
	var bufs Buffers
	defer bufs.Free()
	b := bufs.Alloc(16 << 20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	if got := anonHuge(t) - before; got < 8<<20 {
		t.Fatalf("a touched 16 MiB buffer has %d KiB in huge pages, want at least 8 MiB", got>>10)
	}
}

// anonHuge returns this process's anonymous memory in huge pages.
func anonHuge(t *testing.T) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/smaps_rollup")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "AnonHugePages:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no AnonHugePages in smaps_rollup")
	return 0
}
