// Package offheap hands out large byte buffers that live outside the Go
// heap.
//
// The client's data path keeps a few stripe buffers (16–24 MiB each) alive
// for the whole of an upload or download. On the Go heap they are most of
// the live heap, so under the client's soft memory limit the collector ran
// every few megabytes of other allocation: 1,175 cycles and 17% of the CPU
// in one 1 GiB download. Outside the heap they cost the collector nothing,
// and Free gives their memory back to the system at once.
//
// The price is manual lifetime: a buffer must not be used after Free. The
// data path frees its buffers only after every goroutine that could touch
// them has returned.
package offheap

// Buffers is a set of buffers freed together. The zero value is ready; it
// is safe for concurrent use.
type Buffers struct{ set set }

// Alloc returns a zeroed buffer of n bytes that stays valid until Free.
func (b *Buffers) Alloc(n int) []byte { return b.set.alloc(n) }

// Free releases every buffer Alloc returned. The caller guarantees none
// of them is used afterwards; later Allocs start a new set.
func (b *Buffers) Free() { b.set.free() }
