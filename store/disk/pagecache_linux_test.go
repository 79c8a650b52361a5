package disk

import (
	"context"
	"io"
	"os"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/scatterbytes/scatterbytes/store/storetest"
)

// TestChunkNotInPageCache checks that a stored chunk's bytes go around the
// page cache: after Put, and again after a Get and a scrub have read it
// back, at most the page of the file's last (partial, written buffered)
// block is resident. Only on ext4, the file system of the test machines,
// where O_DIRECT is known to work.
func TestChunkNotInPageCache(t *testing.T) {
	dir := t.TempDir()
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil || st.Type != unix.EXT4_SUPER_MAGIC {
		t.Skip("the temp dir is not on ext4")
	}
	s := openTest(t, dir, Config{})
	data, _ := storetest.Chunk(11, 3<<20+12345)
	id := storetest.MustPut(t, s, data, []byte("meta"))
	path := s.chunkPath(id)
	wantOnlyTailCached(t, path, "after Put")

	rc, err := s.Get(context.Background(), id, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, rc); err != nil {
		t.Fatal(err)
	}
	rc.Close()
	wantOnlyTailCached(t, path, "after Get")

	if st, err := s.Scrub(context.Background()); err != nil || st.Chunks != 1 || st.Corrupt != 0 {
		t.Fatalf("Scrub: %+v, %v", st, err)
	}
	wantOnlyTailCached(t, path, "after Scrub")
}

// wantOnlyTailCached fails the test if any page of the file at path but
// the last is in the page cache.
func wantOnlyTailCached(t *testing.T, path, when string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	m, err := unix.Mmap(int(f.Fd()), 0, int(fi.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(m)
	ps := int64(os.Getpagesize())
	pages := (fi.Size() + ps - 1) / ps
	vec := make([]byte, pages)
	// x/sys/unix has no Mincore for Linux.
	if _, _, e := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
		t.Fatalf("mincore: %v", e)
	}
	var cached int64
	for _, v := range vec[:pages-1] {
		cached += int64(v & 1)
	}
	if cached > 0 {
		t.Fatalf("%s: %d of the %d pages before the last one of the chunk file are in the page cache", when, cached, pages-1)
	}
}
