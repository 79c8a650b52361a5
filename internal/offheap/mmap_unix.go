//go:build unix

package offheap

import (
	"sync"

	"golang.org/x/sys/unix"
)

// hugePage is the size of a transparent huge page on the platforms that
// matter here (x86-64, and arm64 with 4 KiB base pages).
const hugePage = 2 << 20

type set struct {
	mu   sync.Mutex
	bufs [][]byte
}

func (s *set) alloc(n int) []byte {
	if n == 0 {
		return []byte{}
	}
	b, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		// Out of address space or mappings: the heap still works.
		return make([]byte, n)
	}
	if n >= hugePage {
		// Stripe buffers are megabytes: 2 MiB pages fault them in 512
		// times less often and spare the TLB. Advice only; where the
		// kernel declines, 4 KiB pages serve as before.
		unix.Madvise(b, unix.MADV_HUGEPAGE)
	}
	s.mu.Lock()
	s.bufs = append(s.bufs, b)
	s.mu.Unlock()
	return b
}

func (s *set) free() {
	s.mu.Lock()
	bufs := s.bufs
	s.bufs = nil
	s.mu.Unlock()
	for _, b := range bufs {
		unix.Munmap(b)
	}
}
