// Package directio moves bulk file data without the page cache, using
// O_DIRECT where the file system supports it and ordinary reads and writes
// where it does not.
//
// Why: a node writes every chunk once and syncs it at once, and a client
// writes a downloaded file once; neither reads the bytes back soon. Through
// the page cache each byte is copied into freshly allocated cache pages,
// which the kernel then writes back. On the 2-core test machine that copy
// was the largest single cost of a download (copy_folio_from_iter_atomic:
// 52% of the get process's CPU, about 2 CPU-seconds per GiB) and 12% of a
// node's. With O_DIRECT the device reads the bytes straight from a buffer
// the process reuses; writing 1 GiB costs about 0.06 CPU-seconds.
//
// O_DIRECT needs every transfer's memory address, file offset and length
// to be multiples of BlockSize. Writer and SectionReader keep those rules
// and accept any bytes and ranges from their callers.
package directio

import (
	"unsafe"
)

// BlockSize is the alignment of every direct transfer. 4096 satisfies
// both 512-byte and 4 KiB sector devices.
const BlockSize = 4096

// tryDirect is false in tests of the page-cache path.
var tryDirect = true

// Alloc returns a zeroed buffer of n bytes, n rounded up to a multiple of
// BlockSize, whose first byte is BlockSize-aligned. It lives on the Go
// heap; callers that must keep large buffers off the heap can pass any
// page-aligned memory (such as internal/offheap's) instead.
func Alloc(n int) []byte {
	n = int(roundUp(int64(n)))
	b := make([]byte, n+BlockSize)
	skip := 0
	if r := int(uintptr(unsafe.Pointer(unsafe.SliceData(b))) & (BlockSize - 1)); r != 0 {
		skip = BlockSize - r
	}
	return b[skip : skip+n : skip+n]
}

// Aligned reports whether b can be a direct transfer's buffer: its address
// and length are multiples of BlockSize.
func Aligned(b []byte) bool {
	return len(b)%BlockSize == 0 && uintptr(unsafe.Pointer(unsafe.SliceData(b)))&(BlockSize-1) == 0
}

func roundUp(n int64) int64 { return (n + BlockSize - 1) &^ (BlockSize - 1) }

func roundDown(n int64) int64 { return n &^ (BlockSize - 1) }
