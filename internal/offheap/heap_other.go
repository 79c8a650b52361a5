//go:build !unix

package offheap

// set falls back to the Go heap where there is no mmap.
type set struct{}

func (set) alloc(n int) []byte { return make([]byte, n) }
func (set) free()              {}
