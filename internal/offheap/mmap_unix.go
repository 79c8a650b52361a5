//go:build unix

package offheap

import (
	"sync"

	"golang.org/x/sys/unix"
)

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
