package offheap

import (
	"runtime"
	"testing"
)

func TestAllocFree(t *testing.T) {
	var bs Buffers
	a, b := bs.Alloc(1<<20), bs.Alloc(3)
	if len(a) != 1<<20 || len(b) != 3 || len(bs.Alloc(0)) != 0 {
		t.Fatalf("lengths %d, %d", len(a), len(b))
	}
	for i := range a {
		if a[i] != 0 {
			t.Fatalf("byte %d of a new buffer is %d", i, a[i])
		}
	}
	a[len(a)-1], b[2] = 1, 2 // writable to the end
	bs.Free()
	c := bs.Alloc(10) // a set is usable after Free
	c[9] = 3
	bs.Free()
}

// TestOutsideHeap checks that the buffers are not counted in the Go heap,
// which is the point of the package.
func TestOutsideHeap(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" {
		t.Skip("heap fallback on this system")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var bs Buffers
	defer bs.Free()
	for range 4 {
		b := bs.Alloc(16 << 20)
		b[0] = 1
	}
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 8<<20 {
		t.Fatalf("64 MiB of buffers grew the Go heap by %d bytes", grown)
	}
}
